"""Demo community loaded by ``python manage.py seed_demo``.

Pure data: an independent home-espresso community around the fictional
brand "Brevetto". Brevetto staff take part as clearly labelled peer
resources; moderators are volunteers from the community.

Markdown bodies are written flush-left inside triple-quoted strings so that
indentation never turns prose into code blocks.
"""

from __future__ import annotations

from typing import Any

COMMUNITY_NAME = "Home Espresso Commons"

BRAND = {
    "name": "Brevetto",
    "slug": "brevetto",
    "colour": "#9a5b34",
    "support_url": "https://support.brevetto.example/",
    "description": (
        "Brevetto makes home espresso machines and grinders: the Piccola "
        "single boiler, the Duo dual boiler, the Leva spring lever and the "
        "Macina grinders. Brevetto staff take part here as labelled peer "
        "resources. They answer questions, share what they know from the "
        "workshop and escalate to support. They never moderate."
    ),
}

PEOPLE = [
    {
        "username": "admin",
        "display_name": "Ines (admin)",
        "bio": "Started the Commons on a spare server after one too many closed forums. Keeps the lights on, pulls shots on an old Piccola.",
        "role": "admin",
    },
    {
        "username": "mod",
        "display_name": "Dot Halloran",
        "bio": "Volunteer moderator since day one and home barista for about fifteen years. I'd rather nudge than delete.",
        "role": "moderator",
    },
    {
        "username": "kwame",
        "display_name": "Kwame Asante",
        "bio": "Volunteer moderator. Ran the bar at a busy café for six years; these days it's a Piccola in a tiny Bristol kitchen.",
        "role": "moderator",
    },
    {
        "username": "rep",
        "display_name": "Marco from Brevetto",
        "bio": "Product specialist at Brevetto, mostly machines and firmware. Here as a peer: happy to answer, dig up facts and chase support tickets.",
        "role": "brand_rep",
    },
    {
        "username": "rep2",
        "display_name": "Yuki from Brevetto",
        "bio": "Service engineer at Brevetto, grinders and boilers. If something broke, I probably want the serial number.",
        "role": "brand_rep",
    },
    {
        "username": "member",
        "display_name": "Sam Okafor",
        "bio": "Six months into espresso with a Duo and a Macina 64. Asking a lot of questions and writing down the answers.",
        "role": "member",
    },
    {
        "username": "hollis_cafe",
        "display_name": "Hollis Grant",
        "bio": "Owner of Little Anvil, a twenty-seat café in Leeds. Two Duos on the bar and a lot of opinions about milk jugs.",
        "role": "member",
    },
    {
        "username": "pidbodger",
        "display_name": "Teodor Lind",
        "bio": "Tinkerer. If it has a boiler I've probably had the panels off it. Runs a heavily modified Duo and a spare Piccola for experiments.",
        "role": "member",
    },
    {
        "username": "newbean",
        "display_name": "Priya Nair",
        "bio": "Brand new to espresso: Piccola and Macina Mini, bought after a lot of YouTube. Learning in public.",
        "role": "member",
    },
    {
        "username": "grumpyportafilter",
        "display_name": "Walt Brennan",
        "bio": "Retired machinist. Owns a Duo and a Macina 64 and will tell you exactly what's wrong with both. Measures before complaining.",
        "role": "member",
    },
    {
        "username": "oldcrema",
        "display_name": "Franca Moretti",
        "bio": "Pulling shots at home since 1998, mostly on levers. Roasts her own on weekends.",
        "role": "member",
    },
    {
        "username": "lena_b",
        "display_name": "Lena Bauer",
        "bio": "Vienna. Leva and Macina 64, hard water and a patient partner. Beta tester.",
        "role": "member",
    },
    {
        "username": "ana_souza",
        "display_name": "Ana Souza",
        "bio": "Curitiba, Brazil. Piccola owner, latte art addict, translating threads for my local coffee group.",
        "role": "member",
    },
    {
        "username": "latte_lucia",
        "display_name": "Lucia Ferrante",
        "bio": "Barista trainer in Melbourne and occasional latte art competitor. Duo at home because I need a break from the big machines.",
        "role": "member",
    },
    {
        "username": "refractometer_rob",
        "display_name": "Rob Whitfield",
        "bio": "Logs every shot in a spreadsheet, owns a refractometer, not ashamed. Duo and Macina 64.",
        "role": "member",
    },
    {
        "username": "dadbrews",
        "display_name": "Jonah Pike",
        "bio": "Two kids, one Piccola, about four minutes every morning. Here for shortcuts that don't ruin the coffee.",
        "role": "member",
    },
    {
        "username": "mika_roasts",
        "display_name": "Mika Laine",
        "bio": "Home roaster in Helsinki. Light roasts, long ratios, Duo and Macina 64.",
        "role": "member",
    },
]

CATEGORIES: list[dict[str, Any]] = [
    {
        "slug": "announcements",
        "name": "Announcements",
        "description": "News about the Commons and official release notes from Brevetto. Only admins, moderators and brand reps start topics here; everyone can reply.",
        "colour": "#c0572b",
        "kind": "announcements",
        "children": [],
    },
    {
        "slug": "brewing-help",
        "name": "Brewing help",
        "description": "Ask anything about making coffee at home. Mark the reply that solved it so the next person finds it.",
        "colour": "#2f80a8",
        "kind": "questions",
        "children": [
            {
                "slug": "espresso",
                "name": "Espresso",
                "description": "Dialing in, puck prep, ratios, temperatures and taste.",
                "colour": "#a0683f",
                "kind": "questions",
            },
            {
                "slug": "milk-and-latte-art",
                "name": "Milk & latte art",
                "description": "Steaming, microfoam, plant milks and pouring.",
                "colour": "#b07a2a",
                "kind": "questions",
            },
            {
                "slug": "water-and-maintenance",
                "name": "Water & maintenance",
                "description": "Water recipes, descaling, backflushing and keeping things clean.",
                "colour": "#2a8f8a",
                "kind": "questions",
            },
            {
                "slug": "troubleshooting",
                "name": "Troubleshooting & repairs",
                "description": "Error codes, leaks, odd noises and parts. Include your model and serial prefix if you can.",
                "colour": "#b5483f",
                "kind": "questions",
            },
        ],
    },
    {
        "slug": "machines-grinders",
        "name": "Machines & grinders",
        "description": "Reviews, comparisons, mods and long-term reports, one sub-category per product line.",
        "colour": "#6b6fbf",
        "kind": "discussion",
        "children": [
            {
                "slug": "piccola",
                "name": "Piccola",
                "description": "The compact single boiler with PID.",
                "colour": "#7a8a3a",
                "kind": "discussion",
            },
            {
                "slug": "duo",
                "name": "Duo",
                "description": "The dual boiler: firmware, temperature, mods.",
                "colour": "#5a7fbf",
                "kind": "discussion",
            },
            {
                "slug": "leva",
                "name": "Leva",
                "description": "The spring lever and everyone who loves pulling it.",
                "colour": "#9a5fb0",
                "kind": "discussion",
            },
            {
                "slug": "grinders",
                "name": "Macina grinders",
                "description": "Macina 64 and Macina Mini: alignment, burrs, retention, single dosing.",
                "colour": "#4f8f5f",
                "kind": "discussion",
            },
        ],
    },
    {
        "slug": "ideas",
        "name": "Ideas & feedback",
        "description": "Feature and product ideas for Brevetto, and suggestions for the Commons itself. Vote for ideas; Brevetto's decision owners answer in public.",
        "colour": "#b08a1e",
        "kind": "ideas",
        "children": [
            {
                "slug": "product-ideas",
                "name": "Product ideas",
                "description": "What should Brevetto build, fix or change? Reps read these; nobody promises anything.",
                "colour": "#a8741e",
                "kind": "ideas",
            },
            {
                "slug": "site-feedback",
                "name": "Site feedback",
                "description": "Ideas for how the Commons works: categories, tags, templates, features.",
                "colour": "#8a803a",
                "kind": "ideas",
            },
        ],
    },
    {
        "slug": "cafe-community",
        "name": "Café & community",
        "description": "Introductions, setups and everything that isn't strictly coffee.",
        "colour": "#3f8f7a",
        "kind": "discussion",
        "children": [
            {
                "slug": "introductions",
                "name": "Introductions",
                "description": "New here? Say hello and tell us what you brew with.",
                "colour": "#4a8fa8",
                "kind": "discussion",
            },
            {
                "slug": "setups",
                "name": "Show your setup",
                "description": "Coffee corners, café bars and cable management crimes.",
                "colour": "#a0608a",
                "kind": "discussion",
            },
            {
                "slug": "off-topic",
                "name": "Off-topic",
                "description": "Music, mugs, travel, life. Be kind.",
                "colour": "#7a7f95",
                "kind": "discussion",
            },
        ],
    },
    {
        "slug": "beta-lab",
        "name": "Beta lab",
        "description": "Pre-release firmware and hardware testing. Visible only to the beta testers group; please keep screenshots here until release.",
        "colour": "#8e5cc2",
        "kind": "discussion",
        "group": "beta-testers",
        "children": [],
    },
]

GROUPS: list[dict[str, Any]] = [
    {
        "slug": "beta-testers",
        "name": "Beta testers",
        "description": "Members who test pre-release firmware and parts with Brevetto and report back in the Beta lab.",
        "members": [
            "member",
            "rep",
            "rep2",
            "pidbodger",
            "refractometer_rob",
            "hollis_cafe",
            "lena_b",
        ],
    },
    {
        "slug": "baristas",
        "name": "Pro baristas",
        "description": "People who make or made coffee for a living. Flair only; no special powers.",
        "members": ["latte_lucia", "hollis_cafe", "kwame"],
    },
    {
        "slug": "home-roasters",
        "name": "Home roasters",
        "description": "Roasting at home, from popcorn poppers to drum roasters.",
        "members": ["mika_roasts", "oldcrema", "refractometer_rob"],
    },
]

# An image "from another site" in a demo post; seed_demo stores its copy, so
# readers see it from Hearth and seeding needs no network (images app).
THERMO_CHART_URL = "https://images.example.org/rob/duo-thermo-chart.png"

TOPICS: list[dict[str, Any]] = [
    # ------------------------------------------------------------------
    # Announcements
    # ------------------------------------------------------------------
    {
        "category": "announcements",
        "title": "Welcome to Home Espresso Commons: start here",
        "author": "admin",
        "tags": ["welcome", "guidelines"],
        "days_ago": 119.5,
        "pinned": True,
        "body": """Hi everyone, and welcome to **Home Espresso Commons**!

This is an independent community for people who make espresso at home, especially on Brevetto machines and grinders. It runs on our own server and belongs to the people who post here. Nobody sells ads, and no company owns the place.

## Who's who

- **Moderators are volunteers from the community.** @mod (Dot) and @kwame look after threads in their spare time. They move, merge and occasionally close things. They are members first.
- **Brand reps are peers, and their label says so.** @rep (Marco) and @rep2 (Yuki) work at Brevetto. Their posts carry a *Brevetto · peer resource* label. They answer questions, share insider info, clear up misconceptions and escalate to support. **They don't moderate**: they can't edit, move or remove anyone's posts.
- **Criticism of Brevetto is welcome.** If the gear disappoints you, say so, ideally with details. Critical threads stay up.

## How to ask a good brewing question

1. Machine and grinder (model, and firmware if it's a Duo)
2. Beans and roast date
3. Dose in, yield out, shot time, brew temperature
4. What it **tastes** like: sour, bitter, thin, harsh?

For example: *Piccola, Macina Mini at 12, 18 g → 36 g in 24 s at 93 °C, beans 3 weeks off roast, sour and thin.*

## Where things go

| Category | What for |
|---|---|
| Brewing help | Questions. Mark the answer that solved it. |
| Machines & grinders | Reviews, mods, long-term reports |
| Ideas & feedback | What Brevetto (or this site) should do next |
| Café & community | Introductions, setups, off-topic |

The **Beta lab** is only visible to the beta testers group. Reps post pre-release firmware there.

Please say hello in [Introductions](https://example.org/c/introductions), and thanks for being here. ☕""",
        "replies": [
            {
                "author": "mod",
                "body": """Thanks Ines! Hi all, I'm Dot. I've been on coffee forums since they were mostly about stovetop pots.

Quick notes from the volunteer side:

- If something looks off, **flag it** rather than arguing in the thread. Flags come to me and @kwame.
- We'd much rather nudge than delete. Most of what we do is moving threads to the right place.
- The moderation guidelines are in the next pinned post.""",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["admin", "kwame", "oldcrema", "member"],
            },
            {
                "author": "rep",
                "body": """Marco here, product specialist at Brevetto. Thanks for having us.

To repeat what Ines said, because it matters: I'm here as a **peer**. I have the same tools as any member. When I don't know something, I'll say so and go ask the people who do. If I get something wrong, please correct me in public.""",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["admin", "hollis_cafe", "member", "newbean"],
            },
            {
                "author": "grumpyportafilter",
                "body": """> I have the same tools as any member.

Good. I'll hold you to that. My first question is headed for the grinders section shortly 🙂""",
                "hours_after": 9,
                "reply_to": 1,
                "likes": ["oldcrema", "pidbodger"],
            },
            {
                "author": "rep",
                "body": "Deal, @grumpyportafilter. Bring the marker test photos.",
                "hours_after": 10,
                "reply_to": 2,
                "likes": ["grumpyportafilter", "mod"],
            },
            {
                "author": "oldcrema",
                "body": "Twenty-odd years of coffee forums and this is the first one where the brand is in the room without holding the keys. Welcome, everyone.",
                "hours_after": 30,
                "reply_to": None,
                "likes": ["admin", "mod", "kwame"],
            },
            {
                "author": "newbean",
                "body": "Late to this thread, but the *how to ask a good question* list made my first post ten times easier. Thank you!",
                "hours_after": 1900,
                "reply_to": None,
                "likes": ["admin", "oldcrema"],
            },
        ],
        "likes": [
            "mod",
            "kwame",
            "rep",
            "rep2",
            "member",
            "oldcrema",
            "hollis_cafe",
            "lena_b",
            "ana_souza",
            "pidbodger",
        ],
        "accepted": None,
    },
    {
        "category": "announcements",
        "title": "How moderation works here (and how to flag things)",
        "author": "mod",
        "tags": ["guidelines", "moderation"],
        "days_ago": 118,
        "pinned": True,
        "body": """Hello again. This is the short version of how moderation works on the Commons.

### Who moderates

Volunteers: currently me and @kwame. Nobody is paid, and nobody from Brevetto moderates. Reps have exactly the same tools as you, and their flags go into the same queue as everyone else's.

### What we remove

- Spam, affiliate link farms, anything selling stuff uninvited
- Personal attacks, harassment, slurs
- Other people's private information

### What we **don't** remove

- Criticism of Brevetto or any other brand, including blunt criticism
- Negative reviews
- Talk about gear from other makers. This isn't a fan club.

### How we handle things

1. **Nudge:** a friendly public or private note
2. **Note:** a formal warning, logged in the moderation log
3. **Timeout:** a short suspension for repeated problems, also logged

If we move or merge your thread, it's housekeeping. It isn't a punishment. Questions about any of this can go in [Site feedback](https://example.org/c/site-feedback).""",
        "replies": [
            {
                "author": "kwame",
                "body": "Adding one thing: if I move your thread I'll always leave a note saying where it went and why. If a move looks wrong, just reply and say so.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["mod", "admin", "newbean"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Honest question: what happens if Brevetto asks you to take down a negative thread?",
                "hours_after": 20,
                "reply_to": None,
                "likes": ["lena_b", "pidbodger", "oldcrema"],
            },
            {
                "author": "mod",
                "body": """> what happens if Brevetto asks you to take down a negative thread?

Short answer: we say no.

Longer answer: the only things that leave the forum on request are actual legal problems, like someone's home address or a genuine defamation claim. Those go to Ines as admin, and if anything is removed there's an entry in the public moderation log saying what and why.""",
                "hours_after": 22,
                "reply_to": 1,
                "likes": ["grumpyportafilter", "admin", "lena_b", "member", "kwame"],
            },
            {
                "author": "rep2",
                "body": "From our side: we agreed to exactly this before joining. Criticism of our gear is useful to us. Threads like that are often how the engineering team hears about a problem first.",
                "hours_after": 26,
                "reply_to": 1,
                "likes": ["mod", "hollis_cafe", "grumpyportafilter"],
            },
        ],
        "likes": ["admin", "kwame", "oldcrema", "member", "lena_b", "rep"],
        "accepted": None,
    },
    {
        "category": "announcements",
        "title": "Duo firmware 2.3 is out: preinfusion ramp, eco standby, shot timer fixes",
        "author": "rep",
        "tags": ["duo", "firmware"],
        "days_ago": 46,
        "body": """Hi all, Duo firmware **2.3.0** is now public. These are the release notes in plain language.

**New**

- **Preinfusion ramp:** instead of a fixed soft start, pressure ramps from 2 to 9 bar over a time you choose (0 to 10 s). Menu → Brew → `Pi.r`.
- **Eco standby:** after 30 min idle (adjustable), the steam boiler turns off and the brew boiler drops to 80 °C. Any button wakes it.
- Brew boiler maximum raised from 96 °C to **97 °C** for the light-roast crowd.

**Fixed**

- Shot timer sometimes started on a cleaning flush
- Steam boiler display flickering between two values near the setpoint
- Clock lost after a power cut (yes, finally)

**How to update** (USB stick, about 2 minutes):

```
1. Download duo-fw-2.3.0.bin from the support site
2. Copy it to the root of a FAT32-formatted USB stick
3. Machine off → hold [Steam] + [Menu] → switch on
4. Wait for "UPd OK" (about 90 s), then power cycle
```

Download and checksum: https://support.brevetto.example/duo/firmware

You don't have to update. 2.2 stays supported. Happy to answer questions below.""",
        "replies": [
            {
                "author": "refractometer_rob",
                "body": """Updated last night and ran the same beans (medium roast, 18 g → 38 g) at different ramp lengths. Refractometer numbers:

| Ramp | Time | TDS | EY |
|---|---|---|---|
| off (2.2 soft start) | 27 s | 9.6 % | 20.3 % |
| 3 s | 29 s | 9.7 % | 20.5 % |
| 6 s | 31 s | 9.9 % | 20.9 % |
| 9 s | 34 s | 9.8 % | 20.7 % |

Small differences on a medium roast. I suspect it matters more for finer light-roast grinds. Will test.""",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["rep", "pidbodger", "member", "mika_roasts"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Nice features, but why does an espresso machine need firmware updates at all? Every update is a chance to brick a €1,900 machine.",
                "hours_after": 7,
                "reply_to": None,
                "likes": ["oldcrema"],
            },
            {
                "author": "rep",
                "body": """Fair worry. Two facts that might help:

- The bootloader is separate and read-only. If an update fails halfway, the machine boots the previous image and shows `UPd Err`. I've never seen a Duo bricked by an update, in the field or on the bench.
- Nobody has to update. 2.2 keeps getting support, and we only push updates when you plug in a stick.""",
                "hours_after": 8,
                "reply_to": 1,
                "likes": ["grumpyportafilter", "refractometer_rob", "kwame"],
            },
            {
                "author": "hollis_cafe",
                "body": "Updated both Duos at Little Anvil. Eco standby is the sleeper feature here. My plug meter says idle draw went from about 38 W to about 9 W per machine. Over a year that's real money for a small café.",
                "hours_after": 30,
                "reply_to": None,
                "likes": ["rep", "member", "lena_b"],
            },
            {
                "author": "member",
                "body": "I got `UPd Err` on the first attempt. It turned out my stick was formatted exFAT, not FAT32. After reformatting it went straight through. Maybe worth adding to the post, @rep?",
                "hours_after": 50,
                "reply_to": None,
                "likes": ["refractometer_rob", "newbean", "pidbodger"],
            },
            {
                "author": "rep",
                "body": "Good catch, thanks Sam. I've edited the steps. I'll also ask support to add it to the FAQ, because it's probably not just you.",
                "hours_after": 52,
                "reply_to": 4,
                "likes": ["member"],
            },
        ],
        "likes": [
            "member",
            "refractometer_rob",
            "hollis_cafe",
            "pidbodger",
            "mika_roasts",
            "latte_lucia",
        ],
        "accepted": None,
    },
    {
        "category": "announcements",
        "title": "Community call #4 recap, plus the spring latte art throwdown winners",
        "author": "admin",
        "tags": ["community-call", "latte-art"],
        "days_ago": 12,
        "body": """Thanks to the 31 people who joined Saturday's community call! Notes are at https://example.org/hec/community-call-4, and the short version is below.

**What we talked about**

- Water: @refractometer_rob walked through his two-concentrate recipe (thread in Water & maintenance)
- The Macina 64 alignment thread and what changed since. @rep2 joined for that part and took questions for about 20 minutes.
- Whether to add a *Recipes* tag convention (yes, see Site feedback)

**Spring latte art throwdown**, judged by @latte_lucia:

1. 🥇 @ana_souza: a six-layer rosetta on a Piccola with the 2-hole tip
2. 🥈 @member: a very clean tulip
3. 🏅 **Most improved:** @dadbrews

Next call is in six weeks. Suggest topics in this thread.""",
        "replies": [
            {
                "author": "ana_souza",
                "body": "Obrigada!! 😭 My local group here in Curitiba watched the replay and now everyone wants a Piccola tip.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["admin", "latte_lucia", "member"],
            },
            {
                "author": "latte_lucia",
                "body": """Judge's notes, since a few people asked:

- Ana's rosetta won on **symmetry and contrast**. The base was set nicely before she started wiggling.
- Sam's tulip had the cleanest separation between stacks of anyone.
- Everyone: pour a bit higher at the start so the milk dives under the crema, then drop close for the pattern.""",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["ana_souza", "dadbrews", "member", "kwame"],
            },
            {
                "author": "dadbrews",
                "body": "“Most improved” is a generous way of saying my first entry looked like lint from a tumble dryer. I'll take it.",
                "hours_after": 9,
                "reply_to": None,
                "likes": ["latte_lucia", "member", "mod", "ana_souza"],
            },
        ],
        "likes": ["mod", "member", "ana_souza", "dadbrews", "latte_lucia", "rep2"],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Brewing help → Espresso
    # ------------------------------------------------------------------
    {
        "category": "espresso",
        "title": "First week with a Piccola and every shot tastes sour. What am I doing wrong?",
        "author": "newbean",
        "tags": ["beginner", "sour", "dialing-in"],
        "days_ago": 88,
        "body": """Hi! I followed the *how to ask* template from the welcome post:

- **Machine:** Piccola, brew temp 92 °C (default)
- **Grinder:** Macina Mini, setting 14
- **Beans:** supermarket “medium roast”. The bag only has a best-before date.
- **Recipe:** 18 g in, 40 g out, **19 seconds**
- **Taste:** sour, thin, almost salty. My partner described it as “angry lemon water”.

I've watched a lot of videos and I'm now more confused than when I started. Where do I begin?""",
        "replies": [
            {
                "author": "oldcrema",
                "body": """Welcome! Good news: this is the most common first-week problem, and your post has everything we need.

40 g in 19 s is running **fast**. Sour, thin and salty together means under-extracted. In order:

1. **Grind finer.** On the Mini, try 10 or 11 and move one step at a time.
2. Aim for roughly **18 g → 36 g in 27 to 32 s** as a starting point.
3. Get beans **with a roast date** on the bag. A best-before date usually means they were roasted months ago, and stale beans run fast and taste flat whatever you do.""",
                "hours_after": 1.5,
                "reply_to": None,
                "likes": ["newbean", "mod", "member", "latte_lucia"],
            },
            {
                "author": "member",
                "body": "I was in exactly this spot six months ago! Besides grinding finer, stir the grounds in the basket with a needle tool (WDT) before tamping. It got rid of most of my random fast shots.",
                "hours_after": 2.2,
                "reply_to": None,
                "likes": ["newbean"],
            },
            {
                "author": "newbean",
                "body": "Setting 10: 18 g → 36 g in **29 s**. MUCH less sour! Now there's a slightly bitter, dry finish at the end though?",
                "hours_after": 5,
                "reply_to": 0,
                "likes": ["oldcrema"],
            },
            {
                "author": "oldcrema",
                "body": """> Now there's a slightly bitter, dry finish

That's progress, because you can taste both ends now. Try 11 (one step coarser) with the same dose, or stay at 10 and stop the shot around 34 g. The dry finish often comes from the last few grams.

Honestly, fresh beans will help more than anything else at this point.""",
                "hours_after": 6,
                "reply_to": 2,
                "likes": ["newbean", "member"],
            },
            {
                "author": "latte_lucia",
                "body": """Here's the starting sheet I give trainees. These are starting points to adjust from. They're not rules:

| Roast | Dose | Yield | Time | Temp |
|---|---|---|---|---|
| Dark | 18 g | 30–36 g | 25–30 s | 88–90 °C |
| Medium | 18 g | 36–40 g | 27–32 s | 92–93 °C |
| Light | 18 g | 40–50 g | 25–35 s | 94–96 °C |

Change **one thing at a time**, and taste before you change anything else.""",
                "hours_after": 8,
                "reply_to": None,
                "likes": ["newbean", "oldcrema", "hollis_cafe", "member", "kwame"],
            },
            {
                "author": "rep",
                "body": """Everyone's covered the important parts. Two Brevetto-specific details:

- The temperature the Piccola displays is already offset to the water at the group, so 92 °C really is roughly 92 °C at the puck.
- New Macina Mini burrs “season” over the first 1 to 2 kg of coffee. Expect your setting to drift one or two steps in that time. That's normal, and nothing is wrong with it.""",
                "hours_after": 20,
                "reply_to": None,
                "likes": ["newbean", "oldcrema", "pidbodger"],
            },
            {
                "author": "newbean",
                "body": "Update: beans from a local roaster (roasted 9 days ago), setting 11, 18 g → 36 g in 30 s. **First shot I actually enjoyed.** Chocolate and cherry?! Thank you all 🙏",
                "hours_after": 50,
                "reply_to": None,
                "likes": ["oldcrema", "latte_lucia", "member", "mod", "dadbrews"],
            },
        ],
        "likes": ["member", "oldcrema", "dadbrews"],
        "accepted": 0,
    },
    {
        "category": "espresso",
        "title": "Channeling on the Duo even with WDT: spritzers from the bottomless",
        "author": "member",
        "tags": ["channeling", "bottomless", "puck-prep"],
        "days_ago": 70,
        "body": """I'm getting little jets shooting sideways out of the bottomless portafilter, usually starting around 8 to 10 seconds into the shot.

- Duo on 2.2, 93 °C, stock 18 g basket
- Macina 64, 18.5 g in, 38 g out, ~28 s
- WDT with a 0.4 mm needle tool, palm distributor, then tamp (I think I tamp level?)

The taste is OK, but with some harsh edges. What else should I check?""",
        "replies": [
            {
                "author": "pidbodger",
                "body": """First suspect: **headspace**. Do the coin test:

1. Prep the puck as usual
2. Put a coin on top and lock the portafilter in
3. Unlock it and look

If the coin left a deep imprint, the puck is touching the shower screen, and water gets forced round the edges where the puck's been squashed. The stock basket is stamped 18 g, but in practice it's happier at 16.5 to 17.5 g with most beans.""",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["member", "refractometer_rob", "kwame"],
            },
            {
                "author": "kwame",
                "body": "Also worth trying the soft start preinfusion: menu → Brew → `Pi`, 4 s. Wetting the puck gently before full pressure hides a lot of small prep flaws. We relied on it a lot on busy café mornings.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["member"],
            },
            {
                "author": "refractometer_rob",
                "body": "Spritzers that begin right as the pump reaches full pressure are classic weak-spot channels. If the headspace is fine, try a slightly coarser grind with a longer ratio. A puck that's too fine channels more readily.",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["member"],
            },
            {
                "author": "member",
                "body": "Coin test: **deep** imprint. 😅 Dropped to 17 g, ground one step finer to keep the time, and the spritzers are gone. I can't believe it was that simple. Thanks @pidbodger!",
                "hours_after": 28,
                "reply_to": 0,
                "likes": ["pidbodger", "kwame", "oldcrema"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Worth saying out loud: the Duo ships with a basket whose printed dose is optimistic. This isn't the first thread here that ended with “use less coffee than the basket says”.",
                "hours_after": 30,
                "reply_to": 3,
                "likes": ["pidbodger"],
            },
            {
                "author": "rep",
                "body": """> the Duo ships with a basket whose printed dose is optimistic

That's fair feedback. The stamp is the nominal dose for a medium roast, but lighter roasts are denser and everyone's tamp is different, so a single number isn't very helpful. I've passed on the suggestion to stamp a **range** (16–19 g) instead, and linked this thread.""",
                "hours_after": 33,
                "reply_to": 4,
                "likes": ["member", "grumpyportafilter", "mod"],
            },
        ],
        "likes": ["pidbodger", "newbean"],
        "accepted": 0,
    },
    {
        "category": "espresso",
        "title": "Light roasts on the Duo: ratios and temperatures that actually work?",
        "author": "mika_roasts",
        "tags": ["light-roast", "recipes", "duo"],
        "days_ago": 60,
        "body": """I roast at home, mostly washed Ethiopians taken just past first crack. On the Duo at 93 °C and 1:2 in 30 s, the shots are sour and weirdly astringent at the same time. At 94 °C they're slightly better.

What are people with light roasts actually running? Temperature, ratio, time?""",
        "replies": [
            {
                "author": "refractometer_rob",
                "body": """I ran a little series on a similar coffee (washed, light, 12 days off roast). 18 g dose each time:

| Temp | Ratio | Time | TDS | EY | Notes |
|---|---|---|---|---|---|
| 93 °C | 1:2 | 28 s | 9.8 % | 19.6 % | sharp, thin |
| 95 °C | 1:2.5 | 24 s | 8.4 % | 21.0 % | sweeter, some florals |
| 96 °C | 1:3 | 22 s | 7.1 % | 21.3 % | juicy, tea-like |

TL;DR: go **hotter and longer**, and let the shot run faster than your instincts say.""",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["mika_roasts", "oldcrema", "member", "pidbodger", "lena_b"],
            },
            {
                "author": "oldcrema",
                "body": "Old-fashioned advice: let them rest longer. Light roasts I roast myself taste completely different at 3 weeks than at 10 days. Most of the astringency goes away.",
                "hours_after": 7,
                "reply_to": None,
                "likes": ["mika_roasts"],
            },
            {
                "author": "mika_roasts",
                "body": """> go hotter and longer

95 °C, 1:2.6, and ground two steps finer on the Macina 64 so the shot lands at about 25 s. Huge difference: the sourness turned into something like apricot. These beans were 9 days off roast, so I'll try the same recipe again next week per @oldcrema.""",
                "hours_after": 30,
                "reply_to": 0,
                "likes": ["refractometer_rob", "oldcrema"],
            },
            {
                "author": "rep",
                "body": "One Duo-specific tip: the 2.3 firmware raised the brew boiler max to 97 °C, and the new preinfusion ramp helps with the very fine grinds light roasts need. A 4 to 6 s ramp keeps the puck from channeling early.",
                "hours_after": 34,
                "reply_to": None,
                "likes": ["mika_roasts", "refractometer_rob"],
            },
            {
                "author": "lena_b",
                "body": "Bookmarking this whole thread. That table should be pinned somewhere.",
                "hours_after": 80,
                "reply_to": None,
                "likes": ["refractometer_rob"],
            },
        ],
        "likes": ["refractometer_rob", "oldcrema", "latte_lucia"],
        "accepted": 0,
    },
    {
        "category": "espresso",
        "title": "Does preinfusion on the Duo actually do anything?",
        "author": "member",
        "tags": ["preinfusion", "duo"],
        "days_ago": 38,
        "body": """Since 2.3 I can set a preinfusion ramp from 0 to 10 s. I've tried 0, 4 and 8 with the same beans and I honestly can't taste a difference. Is preinfusion mostly marketing, or am I doing it wrong?

(Medium roast, 17 g → 36 g, 93 °C.)""",
        "replies": [
            {
                "author": "pidbodger",
                "body": """It's a real thing, but how much it matters depends on the puck. Preinfusion wets the coffee at low pressure so that when full pressure arrives, the water is pushing through a saturated, swollen bed instead of finding the first dry crack.

With a medium roast at a comfortable grind, there's not much for it to fix. It earns its keep with **fine grinds, light roasts, and sloppy prep**.""",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["member", "refractometer_rob", "kwame"],
            },
            {
                "author": "dadbrews",
                "body": "Honest answer from someone who gets four minutes of coffee time per morning: I turned preinfusion on (on the Piccola, which pulses the pump rather than ramping) and my shots became a lot more forgiving of my rushed puck prep. It's not magic, but it is a safety net.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["member", "kwame", "newbean"],
            },
            {
                "author": "refractometer_rob",
                "body": """I ran blind triangle tests on this (my partner served, I tasted, 8 rounds each):

- **Medium roast**, ramp 0 s vs 6 s: 3/8 correct. That's basically chance.
- **Light roast**, ramp 0 s vs 6 s: 6/8 correct, and I preferred the 6 s ramp every time I picked correctly.

So you're not wrong, Sam. On your beans it barely matters.""",
                "hours_after": 20,
                "reply_to": None,
                "likes": ["member", "pidbodger", "mika_roasts", "oldcrema"],
            },
            {
                "author": "member",
                "body": """> On your beans it barely matters.

Makes sense. I'll leave it at 4 s as a safety net and try it properly when I get some lighter beans. Thanks all!""",
                "hours_after": 24,
                "reply_to": 2,
                "likes": ["refractometer_rob"],
            },
        ],
        "likes": ["dadbrews", "mika_roasts"],
        "accepted": None,
    },
    {
        "category": "espresso",
        "title": "Shots suddenly running fast after I cleaned the grinder",
        "author": "dadbrews",
        "tags": ["grinder", "cleaning", "macina-mini"],
        "days_ago": 15,
        "body": """I finally cleaned my Macina Mini: took the top burr out, brushed everything, put it back together. Now the same setting (12) gives me **14-second shots** instead of 28. I've changed nothing else.

Did I break it? It's 6:40am and I have a toddler attached to my leg.""",
        "replies": [
            {
                "author": "hollis_cafe",
                "body": "Classic. The Mini's top burr carrier has three tabs. If one of them is sitting on the ridge instead of in its slot, the burrs end up further apart than the number says. Take it out, turn it until it *drops* in, then lock the collar.",
                "hours_after": 0.8,
                "reply_to": None,
                "likes": ["dadbrews", "pidbodger", "member"],
            },
            {
                "author": "member",
                "body": "Also, once the old grounds and oils are cleaned out you'll get a bit less retention and a slightly different feel, so expect to go a step or two finer even once it's seated properly.",
                "hours_after": 1.2,
                "reply_to": None,
                "likes": ["dadbrews"],
            },
            {
                "author": "dadbrews",
                "body": "One tab was riding on the ridge, exactly as you said. Reseated it and I'm back to 27 s at 12. Thank you, you've saved my morning!",
                "hours_after": 10,
                "reply_to": 0,
                "likes": ["hollis_cafe", "member"],
            },
            {
                "author": "rep2",
                "body": """Good diagnosis, @hollis_cafe. For anyone who finds this thread later:

1. Unlock the collar and lift out the upper burr carrier
2. Line the **arrow** on the carrier up with the **dot** on the housing
3. Press down until it sits flat (you'll feel it drop about 2 mm)
4. Lock the collar, then re-check your zero

Illustrated guide: https://support.brevetto.example/macina-mini/reassembly""",
                "hours_after": 12,
                "reply_to": None,
                "likes": ["dadbrews", "hollis_cafe", "newbean"],
            },
        ],
        "likes": ["newbean"],
        "accepted": 0,
        "official": 3,
    },
    {
        "category": "espresso",
        "title": "Is a bottomless portafilter worth it for a beginner?",
        "author": "newbean",
        "tags": ["beginner", "bottomless"],
        "days_ago": 5,
        "body": "Everyone here seems to use a bottomless (naked) portafilter. I'm three months in with a Piccola. Is it worth buying one now, or is it something for later?",
        "replies": [
            {
                "author": "kwame",
                "body": """Yes and no.

**Pros**
- You can *see* channeling, which teaches you puck prep faster than anything else
- Easier to clean
- Fun to watch, let's be honest

**Cons**
- Spritzers will find your shirt
- Some people chase a pretty extraction instead of a tasty one

For learning, I'd say it's worth it.""",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["newbean", "member", "latte_lucia"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Just don't buy the branded one at €65. Any decent generic 58 mm bottomless with standard ear spacing fits the Piccola and the Duo. Mine was €25 and it's fine.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["pidbodger", "dadbrews"],
            },
            {
                "author": "rep",
                "body": """> any decent generic 58 mm bottomless with standard ear spacing fits

True. The Piccola and Duo use a standard 58 mm group. Ours has a thicker handle and a precision basket in the box, but a generic one works fine, and using one doesn't affect your warranty in any way.""",
                "hours_after": 5,
                "reply_to": 1,
                "likes": ["newbean", "grumpyportafilter", "kwame"],
            },
            {
                "author": "newbean",
                "body": "Ordered a generic one. Thanks for the honesty, Marco, and thanks Walt for saving me €40 😄",
                "hours_after": 7,
                "reply_to": None,
                "likes": ["rep", "kwame", "grumpyportafilter"],
            },
        ],
        "likes": ["dadbrews"],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Brewing help → Milk & latte art
    # ------------------------------------------------------------------
    {
        "category": "milk-and-latte-art",
        "title": "Duo microfoam: big bubbles no matter what I try",
        "author": "member",
        "tags": ["microfoam", "steaming", "duo"],
        "days_ago": 80,
        "body": """Espresso is getting there, but milk is a disaster. The Duo's steam is *powerful* and I end up with big soapy bubbles on top and hot flat milk underneath.

- 150 ml whole milk, straight from the fridge, in a 350 ml jug
- Stock 4-hole tip, steam boiler at the default 1.5 bar
- I keep the tip near the surface “until it stops screaming”, so about 10 s?

Help 🙏""",
        "replies": [
            {
                "author": "latte_lucia",
                "body": """There's your problem: **10 seconds of stretching is far too long** with a 4-hole tip. Try this:

1. Purge the wand for 2 s
2. Tip just under the surface, slightly off-centre, jug tilted a bit
3. Let it “tss-tss” for **3 to 4 s only**. You want about 20 to 30 % more volume.
4. Then sink the tip about 1 cm and let the milk **spin** until the jug is just too hot to hold (60–65 °C)
5. Tap, swirl, pour straight away""",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["member", "ana_souza", "newbean", "hollis_cafe"],
            },
            {
                "author": "ana_souza",
                "body": "Also, for small amounts like 150 ml, a 4-hole tip is a lot of power. I use the 2-hole on my Piccola and it gives you more time to react. There's a thread about fitting one to the Duo somewhere here.",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["member", "latte_lucia"],
            },
            {
                "author": "member",
                "body": "The “3 to 4 s only” part was it. I was stretching way too long. Tonight I poured my first heart that doesn't look like a blob! Thanks @latte_lucia",
                "hours_after": 26,
                "reply_to": 0,
                "likes": ["latte_lucia", "ana_souza", "mod", "dadbrews"],
            },
            {
                "author": "latte_lucia",
                "body": "That's a heart! Next step: start the pour higher so the milk dives under the crema, then bring the jug down close to draw the shape.",
                "hours_after": 27,
                "reply_to": 2,
                "likes": ["member"],
            },
        ],
        "likes": ["newbean", "dadbrews"],
        "accepted": 0,
    },
    {
        "category": "milk-and-latte-art",
        "title": "Steam wand tip: can I swap the Duo's 4-hole for a 2-hole?",
        "author": "mika_roasts",
        "tags": ["steam-wand", "duo"],
        "days_ago": 55,
        "body": "The Duo's 4-hole tip is great for big jugs, but I mostly make one 150 ml cappuccino at a time and it's over before I can react. Does the Piccola's 2-hole tip fit the Duo wand? Is the thread the same?",
        "replies": [
            {
                "author": "hollis_cafe",
                "body": "At the café we run the 4-hole with 600 ml jugs and it's perfect. At home, with single drinks, I'd want the 2-hole too. I can't confirm the thread, though, since ours are all stock.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["mika_roasts"],
            },
            {
                "author": "rep",
                "body": """Yes, it fits. The Piccola 2-hole tip (part **BV-P-118**, M8×1 thread) screws straight onto the Duo wand.

- About €9 in the parts shop: https://support.brevetto.example/parts/BV-P-118
- Use the new O-ring that comes with it. The old one is usually flattened.
- Hand tight plus a quarter turn with a 10 mm spanner. Don't overdo it.""",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["mika_roasts", "hollis_cafe", "latte_lucia", "ana_souza"],
            },
            {
                "author": "latte_lucia",
                "body": "+1 to the 2-hole tip. If you'd rather keep the 4-hole, dropping steam pressure from 1.5 to 1.2 bar (Menu → Steam) tames it a lot too.",
                "hours_after": 6,
                "reply_to": 1,
                "likes": ["mika_roasts", "member"],
            },
            {
                "author": "mika_roasts",
                "body": "The tip arrived and it's installed: 150 ml cappuccinos are easy now. Kiitos!",
                "hours_after": 200,
                "reply_to": 1,
                "likes": ["rep", "latte_lucia"],
            },
        ],
        "likes": ["member", "ana_souza"],
        "accepted": 1,
        "official": 1,
    },
    {
        "category": "milk-and-latte-art",
        "title": "Oat milk keeps splitting in my flat whites",
        "author": "dadbrews",
        "tags": ["oat-milk", "plant-based"],
        "days_ago": 22,
        "body": "My partner drinks oat milk, and about half the time it splits into a grainy mess as soon as it hits the espresso. Same brand every time, Piccola, steamed to about 65 °C. What's going on?",
        "replies": [
            {
                "author": "latte_lucia",
                "body": """Usually one of three things:

- **Not a “barista” version.** The regular cartons lack the acidity regulators that stop curdling.
- **Too hot.** Oat milk gets unhappy above about 60 °C.
- **Very acidic espresso.** Light roasts make it worse.""",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["dadbrews", "hollis_cafe", "ana_souza"],
            },
            {
                "author": "hollis_cafe",
                "body": "At Little Anvil, oat milk gets steamed to 55–58 °C, and we swirl the espresso and pour fairly quickly so the two mix before they can separate. Since we started doing that, complaints about splitting have stopped.",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["dadbrews", "latte_lucia"],
            },
            {
                "author": "dadbrews",
                "body": "Turns out we'd been buying the regular carton by mistake half the time (the packaging is nearly identical 🙄). Barista version plus stopping at 57 °C, and it hasn't split since. My partner sends thanks.",
                "hours_after": 30,
                "reply_to": None,
                "likes": ["latte_lucia", "hollis_cafe", "ana_souza"],
            },
        ],
        "likes": ["ana_souza"],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Brewing help → Water & maintenance
    # ------------------------------------------------------------------
    {
        "category": "water-and-maintenance",
        "title": "Hard water in Vienna: how often should I descale the Leva?",
        "author": "lena_b",
        "tags": ["descaling", "water", "leva"],
        "days_ago": 55,
        "body": """My tap water tests at about **16 °dH**. The Leva manual says to descale every 3 months with hard water, but it doesn't have a descale program like the Duo, and I'm nervous about doing it wrong on a heat exchanger boiler.

Should I descale more often, or just stop using tap water?""",
        "replies": [
            {
                "author": "refractometer_rob",
                "body": "Honestly, the best descaling is not needing to. 16 °dH is roughly 285 ppm as CaCO₃, which is a lot of scale. A filter jug takes out maybe half. Softened or blended water (distilled plus minerals, see my recipe thread) is much kinder to the boiler.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["lena_b", "oldcrema"],
            },
            {
                "author": "oldcrema",
                "body": "I've descaled levers by hand. It's doable, but it's a 2-hour job and citric acid isn't kind to brass if you leave it too long. Fix the water and you'll rarely need to do it.",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["lena_b"],
            },
            {
                "author": "rep2",
                "body": """Our guidance for the Leva, from the service side:

- **Water above 10 °dH:** use softened or blended water. A filter jug alone isn't enough at 16 °dH.
- **Descaling:** every 3 months at 10–15 °dH, following the manual procedure (section 7.2). Use a lactic or citric acid descaler at the stated dilution, with **no more than 20 min** contact time.
- **If you see flakes in the drip tray or the boiler refills slowly,** don't try a heavy descale yourself. Open a ticket, because loosened scale can block the HX inlet.

Manual PDF: https://support.brevetto.example/leva/manual""",
                "hours_after": 20,
                "reply_to": None,
                "likes": ["lena_b", "refractometer_rob", "oldcrema"],
            },
            {
                "author": "lena_b",
                "body": "I've gone with Rob's blend recipe and now test at about 4 °dH. I'll descale once now using Yuki's procedure and then hopefully rarely again. Danke!",
                "hours_after": 40,
                "reply_to": 2,
                "likes": ["rep2", "refractometer_rob"],
            },
        ],
        "likes": ["oldcrema", "mika_roasts"],
        "accepted": 2,
        "official": 2,
    },
    {
        "category": "water-and-maintenance",
        "title": "Backflushing: how often, and with what?",
        "author": "newbean",
        "tags": ["backflush", "cleaning", "beginner"],
        "days_ago": 30,
        "body": "My Piccola came with a blind basket (no holes) and some cleaning tablets. How often should I backflush, and should I use a tablet every time?",
        "replies": [
            {
                "author": "kwame",
                "body": """A rough schedule for home use (the Piccola has a 3-way solenoid valve, so backflushing is fine):

- **Water-only backflush:** every few days, 5 × 10 s on/off
- **With detergent:** once a week, or every ~50 shots
- **Soak the screen and basket:** monthly
- **Group gasket check:** every few months. Replace it when it's hard or leaking.""",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["newbean", "member", "oldcrema"],
            },
            {
                "author": "mod",
                "body": "Friendly housekeeping note: @newbean, I've merged your duplicate of this question from Introductions into this thread so all the answers are in one place. No harm done, it happens all the time!",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["newbean", "kwame"],
            },
            {
                "author": "oldcrema",
                "body": "And don't overdo the detergent. Backflushing with tablets every day dries out the group gasket and washes the lubricant off the valve. Weekly is plenty at home.",
                "hours_after": 4,
                "reply_to": 0,
                "likes": ["kwame", "newbean"],
            },
            {
                "author": "newbean",
                "body": "Thank you! Weekly phone reminder: set. Sorry about the double post, Dot.",
                "hours_after": 10,
                "reply_to": 1,
                "likes": ["mod"],
            },
        ],
        "likes": ["dadbrews"],
        "accepted": None,
    },
    {
        "category": "water-and-maintenance",
        "title": "My water recipe (with numbers). Any reason not to run it in a dual boiler?",
        "author": "refractometer_rob",
        "tags": ["water", "recipes"],
        "days_ago": 8,
        "body": """After a lot of fiddling I've settled on a two-concentrate recipe mixed with distilled water:

```
Concentrate A (hardness): 2.46 g Epsom salt (MgSO4·7H2O) in 1 L distilled
Concentrate B (buffer):   1.68 g baking soda (NaHCO3) in 1 L distilled
Both ≈ 1000 ppm as CaCO3

Brew water: 70 ml A + 40 ml B, top up to 1000 ml with distilled
         → ~70 ppm GH, ~40 ppm KH (as CaCO3)
```

It tastes great: sweet, clear, not flat. My question is whether water this soft is a problem for the Duo's boilers long term. I've read that very soft water can be corrosive.""",
        "replies": [
            {
                "author": "oldcrema",
                "body": "That's very close to what I use for my levers, just with a touch more buffer. Six years without a descale and no corrosion I know of.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["refractometer_rob"],
            },
            {
                "author": "rep2",
                "body": """That recipe is fine for the Duo. Some details from the service side:

- Both boilers are 316L stainless, so they're much less sensitive than brass or copper.
- We advise against going **below about 30 ppm KH**. Pure RO or distilled water with no buffer is aggressive toward solder joints and brass fittings.
- One thing people don't expect: the **steam boiler level probe** needs some conductivity. Below roughly 20 µS/cm the Duo may show `E2` (no water) even with a full tank.""",
                "hours_after": 9,
                "reply_to": None,
                "likes": ["refractometer_rob", "lena_b", "pidbodger", "mika_roasts"],
            },
            {
                "author": "refractometer_rob",
                "body": """> the steam boiler level probe needs some conductivity

That's exactly the kind of thing I was hoping to learn. Mine measures about 160 µS/cm, so I'm well clear. Thanks Yuki.""",
                "hours_after": 10,
                "reply_to": 1,
                "likes": ["rep2"],
            },
        ],
        "likes": ["lena_b", "oldcrema", "mika_roasts", "pidbodger"],
        "accepted": None,
        "official": 1,
    },
    # ------------------------------------------------------------------
    # Brewing help → Troubleshooting & repairs
    # ------------------------------------------------------------------
    {
        "category": "troubleshooting",
        "title": "Duo pressure gauge hits 12 bar during shots. Should I adjust the OPV?",
        "author": "hollis_cafe",
        "tags": ["opv", "pressure", "duo"],
        "days_ago": 95,
        "body": "I bought a second-hand Duo as a backup for the café. With the blind basket in, the gauge goes right up to **12 bar**, and shots taste harsh even when the time looks right. Is this the over-pressure valve, and can I adjust it without voiding anything?",
        "replies": [
            {
                "author": "pidbodger",
                "body": """Yes, that's the OPV. On a Duo (rev A) it's under the cup tray on the right: a brass body with a 13 mm lock nut.

```
1. Machine hot, blind basket in
2. Loosen the lock nut
3. Turn the adjuster: counter-clockwise = lower pressure
   (a quarter turn is roughly 0.5 bar)
4. Run the pump for 10 s, read the gauge, repeat
5. Tighten the lock nut, check again
```

Aim for **9 to 9.5 bar** with the blind basket. It'll read a little lower with real coffee.""",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["hollis_cafe", "member", "refractometer_rob"],
            },
            {
                "author": "rep2",
                "body": """Confirming @pidbodger's steps. A few details:

- Factory setting is **9.5 bar ±0.3** with the blind basket.
- On a **rev B** Duo (serial starting `DU2`), the OPV is reachable from the front, behind the drip tray.
- Adjusting the OPV **does not** void the warranty. It's a user adjustment.
- If the gauge still reads high with the OPV backed right off, the gauge itself may be faulty. In that case, please contact support.""",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["hollis_cafe", "pidbodger", "kwame"],
            },
            {
                "author": "hollis_cafe",
                "body": "Two quarter turns counter-clockwise and it now sits at 9.3 bar on the blind basket. Shots are much less harsh. Thanks both!",
                "hours_after": 26,
                "reply_to": 0,
                "likes": ["pidbodger", "rep2"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Serious question for @rep2: why would a machine at this price leave the factory set to 12 bar?",
                "hours_after": 28,
                "reply_to": None,
                "likes": ["oldcrema"],
            },
            {
                "author": "rep2",
                "body": """> why would a machine at this price leave the factory set to 12 bar?

It shouldn't, and as far as we know it doesn't. Every Duo gets its OPV set on the test bench, and the reading is logged against the serial. This one was second-hand, so a previous owner may have adjusted it.

But if anyone gets a **new** Duo reading high, please post the serial prefix or DM it to me. I can check the bench log and we'll find out whether something went wrong at the factory.""",
                "hours_after": 31,
                "reply_to": 3,
                "likes": ["grumpyportafilter", "hollis_cafe"],
            },
        ],
        "likes": ["pidbodger", "member"],
        "accepted": 0,
        "official": 1,
    },
    {
        "category": "troubleshooting",
        "title": "Group gasket leaking after 8 months, and support hasn't replied in 9 days",
        "author": "ana_souza",
        "tags": ["gasket", "support", "piccola"],
        "days_ago": 50,
        "body": """My Piccola has started leaking around the portafilter during shots. Water runs down the front and there's coffee on the drip tray cover. It's only 8 months old.

I emailed the distributor here in Brazil and the Brevetto support site **nine days ago** and have had no reply at all. I'm a bit frustrated, honestly. I love this machine, but right now I can't use it properly.""",
        "replies": [
            {
                "author": "pidbodger",
                "body": """While you wait: it's almost certainly the group gasket, and it's an easy job.

1. Machine off and **cold**
2. Pry the shower screen out with a flat screwdriver
3. Hook the old gasket out (a small pick helps)
4. Clean the groove, push the new one in with the bevel facing up
5. Lock in an empty portafilter to seat it

A standard 58 mm silicone gasket fits, but check the thickness.""",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["ana_souza", "member", "kwame"],
            },
            {
                "author": "oldcrema",
                "body": "8 months is early, though. Do you leave the portafilter locked in when the machine is off? Heat plus constant pressure flattens gaskets quickly.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["ana_souza"],
            },
            {
                "author": "rep",
                "body": """Ana, I'm sorry. Nine days without any reply isn't OK.

I found your ticket (**BRV-31877**). It was routed to the distributor queue and sat there unanswered. I've escalated it to our support lead and asked for a gasket and shower screen kit to be sent under warranty.

Also, a correction to the thread in case anyone buys locally: the Piccola gasket is **8.5 mm**, not the 8 mm that some listings say fits.""",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["ana_souza", "mod", "hollis_cafe", "pidbodger"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Glad it got picked up, but a support ticket shouldn't need a forum post to get moving.",
                "hours_after": 6,
                "reply_to": 2,
                "likes": ["ana_souza", "lena_b", "oldcrema"],
            },
            {
                "author": "rep",
                "body": "Agreed, and I won't pretend otherwise. I've raised the routing problem internally and I'll report back here with what changes.",
                "hours_after": 7,
                "reply_to": 3,
                "likes": ["grumpyportafilter", "mod"],
            },
            {
                "author": "ana_souza",
                "body": "Support replied yesterday and the kit has shipped. In the meantime I fitted a local 8.5 mm silicone gasket following @pidbodger's steps: no more leaks! And @oldcrema, yes, I was leaving the portafilter in overnight. Not any more 🙈",
                "hours_after": 70,
                "reply_to": None,
                "likes": ["rep", "pidbodger", "oldcrema"],
            },
            {
                "author": "rep",
                "body": "Follow-up, as promised: tickets in distributor queues now escalate automatically to Brevetto support if nobody has replied within 72 hours. Thanks for raising it publicly, both of you.",
                "hours_after": 400,
                "reply_to": 4,
                "likes": ["ana_souza", "grumpyportafilter", "mod", "admin"],
            },
        ],
        "likes": ["lena_b", "grumpyportafilter"],
        "accepted": 0,
        "official": 2,
    },
    {
        "category": "troubleshooting",
        "title": "Piccola shows E4 and won't heat",
        "author": "dadbrews",
        "tags": ["error-code", "piccola"],
        "days_ago": 26,
        "body": "This morning the Piccola powered on, showed `E4`, and stayed cold. I've turned it off and on again. It's 14 months old. Any ideas before I go and buy instant coffee in shame?",
        "replies": [
            {
                "author": "member",
                "body": "I saw `E1` on a friend's Piccola when the water tank wasn't pushed all the way in, but I don't know what E4 means, sorry. Check the tank anyway?",
                "hours_after": 0.5,
                "reply_to": None,
                "likes": ["dadbrews"],
            },
            {
                "author": "pidbodger",
                "body": "E4 on the Piccola is usually the boiler temperature sensor (NTC) reading out of range, either open or shorted. Often it's just a connector that has worked loose. Since you're still under warranty, though, I wouldn't open it up yourself.",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["dadbrews", "member"],
            },
            {
                "author": "rep",
                "body": """@pidbodger is right: **E4 = boiler NTC out of range**. It's either the connector or the sensor itself.

Safe check: unplug the machine, wait 30 minutes, then switch it on. If E4 comes back straight away, it's the sensor or its connection, not a one-off glitch.

You're within the 2-year warranty, so please open a ticket with the code and serial at https://support.brevetto.example/ticket. It's a quick fix for a service partner.""",
                "hours_after": 2,
                "reply_to": 1,
                "likes": ["dadbrews", "pidbodger", "newbean"],
            },
            {
                "author": "dadbrews",
                "body": "Ticket opened that morning, and the service partner replaced the NTC four days later. Back in business, and the instant coffee jar is going back to the cupboard unopened.",
                "hours_after": 120,
                "reply_to": None,
                "likes": ["rep", "member", "pidbodger"],
            },
        ],
        "likes": ["newbean"],
        "accepted": 2,
        "official": 2,
    },
    {
        "category": "troubleshooting",
        "title": "Duo steam boiler refills every minute or so. Is that normal?",
        "author": "latte_lucia",
        "tags": ["steam-boiler", "duo"],
        "days_ago": 3,
        "body": "When the Duo is idle, I hear the pump click on for a second or two about every 60 to 90 seconds. It never used to do that. No visible leaks, and the steam pressure looks normal. Anyone seen this?",
        "replies": [
            {
                "author": "pidbodger",
                "body": "My first guess is that the anti-vacuum valve on top of the steam boiler isn't sealing, so it's venting steam and the level drops. Put your hand (carefully!) near the top vent after warm-up. If you feel steam or hear a faint hiss, that's your culprit. The seal is a cheap O-ring.",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["latte_lucia", "refractometer_rob"],
            },
            {
                "author": "rep2",
                "body": "Agree with @pidbodger that the anti-vac valve is the most likely cause. Less likely, but possible: a slow leak at the steam wand valve. Is there a drip from the wand tip when it's closed? If it's the anti-vac, the seal kit is BV-D-231. I can also ask support to send one.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["latte_lucia"],
            },
            {
                "author": "latte_lucia",
                "body": "There's a faint hiss at the top vent, so it's probably the anti-vac. I'll check the wand too and report back once I've fitted the O-ring.",
                "hours_after": 9,
                "reply_to": 0,
                "likes": ["pidbodger"],
            },
        ],
        "likes": [],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Machines & grinders → Piccola
    # ------------------------------------------------------------------
    {
        "category": "piccola",
        "title": "Piccola at one year: a former café barista's honest review",
        "author": "kwame",
        "tags": ["review", "piccola", "long-term"],
        "days_ago": 35,
        "body": """I spent six years behind a three-group commercial machine. When I moved into a flat with a kitchen the size of a phone box, I bought a Piccola. Here's a year of notes, mod hat off.

### What I like
- **Temperature stability** is better than I expected from a single boiler. The PID holds ±0.5 °C at the group once it's properly warm (about 20 min).
- The 58 mm group means **standard baskets, tampers and gaskets** from anyone.
- It's small and quiet, and it's ready before my first podcast finishes.

### What I don't
- **Switching to steam takes about 45 s**, and you have to purge a lot of water to get back down to brew temperature. For one milk drink that's fine. For four, it's tedious.
- The **drip tray** is too small: I empty it every day.
- The **steam knob** gets hot enough that I keep a cloth nearby.

### Verdict

For one or two drinks a day it's an excellent espresso machine. It's a *compromise* milk machine, but a good one. **8/10.**""",
        "replies": [
            {
                "author": "oldcrema",
                "body": "Good review. “Excellent espresso machine, compromise milk machine” describes every single boiler I've ever owned.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["kwame", "dadbrews"],
            },
            {
                "author": "grumpyportafilter",
                "body": "I'd mark it down for the drip tray more than you did. It's a design flaw, not a quirk. A machine that fills its own tray with one backflush plus three shots needs a bigger tray.",
                "hours_after": 7,
                "reply_to": None,
                "likes": ["dadbrews", "ana_souza"],
            },
            {
                "author": "rep",
                "body": """Thanks, Kwame. Honest long-term reports like this are worth more to us than any survey.

The drip tray is a known complaint, and @grumpyportafilter isn't alone in calling it a flaw. I can't share dates, but the product team has read this thread. I'll pass on the steam knob heat as well. That one I hadn't heard before.""",
                "hours_after": 10,
                "reply_to": None,
                "likes": ["kwame", "grumpyportafilter", "member"],
            },
            {
                "author": "dadbrews",
                "body": "Can confirm the drip tray thing, from a man whose toddler has twice emptied it onto the floor for me.",
                "hours_after": 20,
                "reply_to": 1,
                "likes": ["kwame", "grumpyportafilter", "ana_souza"],
            },
        ],
        "likes": ["newbean", "ana_souza", "dadbrews", "admin", "member"],
        "accepted": None,
    },
    {
        "category": "piccola",
        "title": "Upgrading from Piccola to Duo: worth it for two milk drinks a day?",
        "author": "dadbrews",
        "tags": ["upgrade", "piccola", "duo"],
        "days_ago": 18,
        "body": "Every morning I make a flat white for my partner and one for me. The Piccola steam switch and purge adds maybe 3 minutes, which is a lot of toddler time. Is the Duo worth the jump, or should I put the money elsewhere?",
        "replies": [
            {
                "author": "hollis_cafe",
                "body": "For two milk drinks back to back, a dual boiler is a genuine quality-of-life upgrade. You steam while the shot runs, so it's 2 drinks in about 3 minutes instead of 6. That's the whole pitch.",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["dadbrews"],
            },
            {
                "author": "oldcrema",
                "body": "Contrarian view: your *espresso* won't get better. If you're still on the Macina Mini, a better grinder changes the taste in the cup more than a Duo does. Time versus taste: decide which one you're buying.",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["dadbrews", "kwame", "grumpyportafilter"],
            },
            {
                "author": "rep",
                "body": """I'll try not to sound like a salesperson here 🙂 Franca's right: in the cup, the Piccola and the Duo make very similar espresso. The Duo buys you **workflow**, meaning simultaneous steaming, more steam power and eco standby.

If the 3 minutes aren't bothering you, keep the Piccola. If they are, keep an eye on the refurbished section of the support site, where returned Duos are checked on the bench and sold with a full warranty.""",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["dadbrews", "oldcrema", "kwame", "mod"],
            },
            {
                "author": "member",
                "body": "I went straight to a Duo, so I can't compare, but I can say that making two cappuccinos in a couple of minutes is really nice. 😄",
                "hours_after": 9,
                "reply_to": None,
                "likes": ["dadbrews"],
            },
            {
                "author": "dadbrews",
                "body": """> Time versus taste: decide which one you're buying.

This reframed it for me. Time is the thing I'm short of, so I'll watch for a refurb Duo and keep the Mini for now. Thanks all.""",
                "hours_after": 30,
                "reply_to": 1,
                "likes": ["oldcrema", "rep"],
            },
        ],
        "likes": ["newbean", "kwame"],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Machines & grinders → Duo
    # ------------------------------------------------------------------
    {
        "category": "duo",
        "title": "I logged Duo group temperature with a thermocouple: results",
        "author": "refractometer_rob",
        "tags": ["temperature", "data", "duo"],
        "days_ago": 75,
        "body": """I fitted a thermocouple in a scace-style adapter (a blank basket with a probe) and logged brew water temperature at the puck on my Duo (firmware 2.2), with a 30 s flush between runs.

| Set point | Warm-up | Shot 1 | Shot 3 | Shot 6 (back to back) |
|---|---|---|---|---|
| 90 °C | 25 min | 89.6 °C | 90.1 °C | 90.3 °C |
| 93 °C | 25 min | 92.4 °C | 92.9 °C | 93.2 °C |
| 96 °C | 25 min | 95.1 °C | 95.7 °C | 96.0 °C |
| 93 °C | **12 min** | **90.8 °C** | 92.1 °C | 92.8 °C |

![Chart: brew temperature at the puck for shots 1, 3 and 6 at each set point; the 12-minute warm-up line starts 2 °C low](https://images.example.org/rob/duo-thermo-chart.png)

Takeaways:

- Once it's warm, it's within about 0.6 °C of the set point. Very good.
- The **first shot after a short warm-up runs 2 °C cool**, even though the display says ready.
- After five or six shots in a row it drifts up slightly.

Raw CSV: https://example.org/rob/duo-thermo-log.csv""",
        "replies": [
            {
                "author": "pidbodger",
                "body": "Lovely data. The 12-minute row matches my experience: the boiler is at temperature, but the group metal isn't yet. I do a 10 s flush before the first shot when I'm in a hurry and it closes most of the gap.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["refractometer_rob", "member"],
            },
            {
                "author": "rep",
                "body": """Nice work, Rob. This matches our bench numbers closely. Some insider context:

- “Ready” means the **brew boiler** is at the set point. The group has its own small heater, but that heavy brass takes longer, which is why we recommend 20 to 25 min in the manual.
- The slight upward drift on back-to-back shots is the group heater catching up. 2.3 tunes that loop, so you may see it flatten out.""",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["refractometer_rob", "pidbodger", "mika_roasts"],
            },
            {
                "author": "member",
                "body": "So that's why my first shot on weekdays (machine on a smart plug 15 min before I get up) is always a bit sour! Moving the timer to 25 min.",
                "hours_after": 12,
                "reply_to": None,
                "likes": ["refractometer_rob"],
            },
            {
                "author": "refractometer_rob",
                "body": """> 2.3 tunes that loop

I'll re-run the back-to-back test on 2.3 when it's out and post the comparison here.""",
                "hours_after": 14,
                "reply_to": 1,
                "likes": ["rep", "pidbodger"],
            },
            {
                "author": "refractometer_rob",
                "body": "Re-run on 2.3: shot 6 back to back now reads 93.0 °C at a 93 °C set point, so the drift is basically gone. Updated CSV at the same link.",
                "hours_after": 740,
                "reply_to": 3,
                "likes": ["rep", "pidbodger", "member", "mika_roasts"],
            },
        ],
        "likes": ["pidbodger", "mika_roasts", "oldcrema", "rep", "member", "lena_b"],
        "accepted": None,
    },
    {
        "category": "duo",
        "title": "€89 for a Duo steam valve? Really?",
        "author": "grumpyportafilter",
        "tags": ["spare-parts", "pricing", "duo"],
        "days_ago": 40,
        "body": """My steam valve started dripping, so I went to the parts shop. The only listing is the **“steam valve assembly” for €89**.

On a machine that already costs €1,900, I think that's steep for what's probably a €3 seal. If Brevetto wants people to keep these machines for 15 years, spare parts need to be priced like it.""",
        "replies": [
            {
                "author": "pidbodger",
                "body": "The seal inside is a standard EPDM O-ring plus a PTFE washer. I rebuilt mine for about €4 with a kit from a generic espresso parts shop. But it's fiddly, and I wouldn't expect everyone to do it.",
                "hours_after": 1.5,
                "reply_to": None,
                "likes": ["grumpyportafilter", "member"],
            },
            {
                "author": "oldcrema",
                "body": "Walt, you complain in every thread. Maybe Brevetto just isn't the brand for you?",
                "hours_after": 3,
                "reply_to": None,
                "likes": [],
            },
            {
                "author": "mod",
                "body": """Quick volunteer nudge, nothing more: let's keep this about the part and the price, not about each other. Walt's complaints usually come with specifics, and that's exactly what this category is for.

@oldcrema, I know you didn't mean it unkindly. 🙂""",
                "hours_after": 3.5,
                "reply_to": 1,
                "likes": ["grumpyportafilter", "kwame", "admin", "lena_b"],
            },
            {
                "author": "oldcrema",
                "body": "Fair, Dot. Sorry Walt. It's been a long week of decaf at my house.",
                "hours_after": 4,
                "reply_to": 2,
                "likes": ["grumpyportafilter", "mod"],
            },
            {
                "author": "rep",
                "body": """Let me clear up one thing, because I think there's a misconception (partly our fault):

- The **€89 listing is the complete valve**: body, spindle, knob, and the internal seals all pre-assembled. It's meant for a cracked body or a damaged thread.
- For a drip, what you need is the **seal kit, BV-D-214, €12**. It exists, but it wasn't listed in the web shop. That's a mistake on our side.

I've asked the parts team to list it today. The exploded diagram showing where it goes is here: https://support.brevetto.example/duo/diagrams/steam-valve""",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["grumpyportafilter", "pidbodger", "member", "hollis_cafe"],
            },
            {
                "author": "grumpyportafilter",
                "body": """> For a drip, what you need is the seal kit, BV-D-214, €12.

Thanks, €12 is reasonable. But I'll keep my criticism: a seal kit nobody can find might as well not exist, and €89 for the full assembly is still a lot for a valve. I'll buy the kit when it's up.

And no hard feelings, Franca. 😄 I do complain a lot.""",
                "hours_after": 8,
                "reply_to": 4,
                "likes": ["oldcrema", "pidbodger", "lena_b", "mod"],
            },
            {
                "author": "rep",
                "body": "Update: BV-D-214 is now listed in the parts shop, and it comes up when you search for “steam valve”. I've also passed on the pricing feedback about the full assembly. I can't promise anything there, but the product team has seen it.",
                "hours_after": 170,
                "reply_to": 5,
                "likes": ["grumpyportafilter", "hollis_cafe", "member"],
            },
        ],
        "likes": ["pidbodger", "lena_b", "hollis_cafe", "ana_souza"],
        "accepted": None,
    },
    {
        "category": "duo",
        "title": "Which Duo mods are actually worth it? My list after two years",
        "author": "pidbodger",
        "tags": ["mods", "diy", "duo"],
        "days_ago": 28,
        "body": """People keep asking, so here's my list. Cost is roughly what I paid, and **difficulty** runs from 1 (anyone) to 5 (you own a multimeter and aren't afraid to use it).

| Mod | Cost | Difficulty | Worth it? |
|---|---|---|---|
| 2-hole steam tip (BV-P-118) | €9 | 1 | Yes, for single drinks |
| Precision basket (VST-style) | €30 | 1 | Yes |
| OPV set to 9 bar | €0 | 2 | Yes |
| Silicone group gasket | €8 | 2 | Yes, nicer to lock in |
| Needle valve on the group (flow control) | €120 | 4 | Fun, not essential |
| Insulating the brew boiler | €20 | 4 | Marginal since 2.3 eco standby |
| Pressure transducer + logging | €60 | 5 | Only if you're me |

**Skip:** “tuned” shower screens. I couldn't measure any difference with a refractometer or taste one in blind tests.""",
        "replies": [
            {
                "author": "rep",
                "body": """Great list. Some insider warranty facts so nobody gets caught out:

- **Warranty unaffected:** tips, baskets, gaskets, OPV adjustment, anything you can undo without tools beyond a spanner.
- **Warranty affected:** cutting or drilling panels, replacing the controller board, or changing the boiler safety devices.
- **Grey area:** the needle valve. We don't support it, but if your *pump* fails we're not going to blame a valve on the group. Ask support if you're unsure.""",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["pidbodger", "member", "refractometer_rob", "hollis_cafe"],
            },
            {
                "author": "refractometer_rob",
                "body": """> Pressure transducer + logging: Only if you're me

Or me. Please post the wiring, Teodor. 👀""",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["pidbodger"],
            },
            {
                "author": "pidbodger",
                "body": "Wiring diagram and logger sketch are up: https://example.org/teodor/duo-transducer. Standard disclaimer: mains voltage inside, so unplug first, and it's your machine and your risk.",
                "hours_after": 30,
                "reply_to": 1,
                "likes": ["refractometer_rob", "member"],
            },
            {
                "author": "member",
                "body": "Doing the first four this weekend. Silicone gasket first, because the stock one is making me wrestle the portafilter.",
                "hours_after": 50,
                "reply_to": None,
                "likes": ["pidbodger"],
            },
        ],
        "likes": [
            "member",
            "refractometer_rob",
            "mika_roasts",
            "hollis_cafe",
            "grumpyportafilter",
        ],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Machines & grinders → Leva
    # ------------------------------------------------------------------
    {
        "category": "leva",
        "title": "First week with the Leva: a love letter and three complaints",
        "author": "lena_b",
        "tags": ["leva", "first-impressions"],
        "days_ago": 65,
        "body": """After ten years on a pump machine I finally bought a Leva. A week in:

**Love**
- The shots are *different*: syrupy and sweet, because pressure falls off naturally as the spring extends.
- No pump noise at 6am. My partner has noticed and approves.
- Pulling the lever is deeply satisfying.

**Complaints**
1. 30 minutes to warm up properly. The ready light comes on after about 15, but the shots aren't right until 30.
2. The lever is **stiff**. Short people like me need to stand on tiptoe.
3. The drip tray is shallow (seems to be a Brevetto theme?).""",
        "replies": [
            {
                "author": "oldcrema",
                "body": "Welcome to the lever life! On the warm-up: yes, that's the heavy group. A smart plug fixes it. On the stiffness: pull the lever in one smooth motion. Don't pause halfway. And stand closer to the machine than feels natural, so your body weight does the work.",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["lena_b", "kwame"],
            },
            {
                "author": "rep",
                "body": """Congratulations on the Leva, Lena! Some insider context on your complaints:

- **Warm-up:** the ready light means the *boiler* is at pressure. The 4 kg group follows later. 25 to 30 min is normal, and it's in the manual, but we should say it on the light itself.
- **Stiffness:** the spring is preloaded for about 9 bar peak. There isn't a softer spring. The lever extension (BV-L-040) gives you about 15 % more leverage, though.
- **Drip tray:** fair. I've added your vote. 😅""",
                "hours_after": 9,
                "reply_to": None,
                "likes": ["lena_b", "oldcrema", "grumpyportafilter"],
            },
            {
                "author": "lena_b",
                "body": """> The lever extension (BV-L-040) gives you about 15 % more leverage

Ordered. Thank you, and thank you Franca for the body-weight tip. Already easier.""",
                "hours_after": 20,
                "reply_to": 1,
                "likes": ["rep", "oldcrema"],
            },
            {
                "author": "kwame",
                "body": "We had a spring lever at the café before the big machine. Regulars still ask about it. Enjoy it!",
                "hours_after": 26,
                "reply_to": None,
                "likes": ["lena_b"],
            },
        ],
        "likes": ["oldcrema", "kwame", "ana_souza"],
        "accepted": None,
    },
    {
        "category": "leva",
        "title": "My Leva warm-up routine (and why I don't trust the light)",
        "author": "oldcrema",
        "tags": ["leva", "temperature", "workflow"],
        "days_ago": 14,
        "body": """Since a few of you asked after Lena's thread, this is how I run a spring lever after 25 years of them:

1. **Smart plug on 30 min** before I come downstairs.
2. **Cooling flush** of about 3 s (raise the lever partway and let the water run), then wait 30 s. This evens out the group.
3. Dose, prep, lock in, and **pull the lever all the way down** to start preinfusion. Hold it there for 6 to 8 s.
4. Release and let the spring do its work. **Don't touch it.**
5. Between shots: wait at least 60 s, or the group creeps hotter.

If the shot tastes harsh or bitter, the group is usually too hot, so flush a bit longer. If it's sour and thin, it's too cold: wait longer or skip the flush.""",
        "replies": [
            {
                "author": "lena_b",
                "body": "Step 3 changed everything for me. I used to let go almost immediately. Holding for 7 s gives me much more even shots.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["oldcrema"],
            },
            {
                "author": "pidbodger",
                "body": "If you want to stop guessing: a stick-on group thermometer costs about €15 and tells you the group surface temperature. On mine, around 88 °C on the group thermometer matches a brew temperature of about 93 °C. Your numbers will differ, but it's a consistent reference.",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["oldcrema", "lena_b", "refractometer_rob"],
            },
            {
                "author": "rep",
                "body": """> why I don't trust the light

You're right not to. As I mentioned in Lena's thread, the light only reports boiler pressure. I've raised a proposal internally for a “group ready” indicator on the next revision, and this thread is now attached to it.""",
                "hours_after": 11,
                "reply_to": None,
                "likes": ["oldcrema", "lena_b"],
            },
        ],
        "likes": ["lena_b", "kwame", "mika_roasts", "pidbodger"],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Machines & grinders → Macina grinders
    # ------------------------------------------------------------------
    {
        "category": "grinders",
        "title": "Macina 64 burr alignment out of the box is not good enough",
        "author": "grumpyportafilter",
        "tags": ["alignment", "macina-64", "quality-control"],
        "days_ago": 58,
        "body": """As promised in the welcome thread. I paid **€620** for a Macina 64 and did a marker test after the first week:

- Colour the lower burr's flat surfaces with a marker
- Close the burrs until they just touch, turn by hand, open and inspect

Result: the marker was worn off on about **40 % of the circumference**, all on one side. That's clear tilt. In the cup it shows up as muddled, muddy shots compared with the same beans on a friend's grinder.

I spent 35 years as a machinist. This is a machining tolerance problem, and at this price I expect better.""",
        "replies": [
            {
                "author": "pidbodger",
                "body": "Mine showed about 60 % contact. I shimmed it with 0.02 mm aluminium foil tape under the low side of the burr carrier and got it to about 85 %. Big improvement in clarity. But I agree it shouldn't be necessary.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["grumpyportafilter", "refractometer_rob"],
            },
            {
                "author": "refractometer_rob",
                "body": "Data point: before shimming, my sieve test (400 and 800 µm screens) showed about 14 % fines by mass. After shimming to about 80 % contact, it was about 10 %. That's measurable.",
                "hours_after": 8,
                "reply_to": None,
                "likes": ["grumpyportafilter", "pidbodger", "mika_roasts"],
            },
            {
                "author": "rep2",
                "body": """Thank you for a measured complaint, Walt. It makes my job much easier. I work on the grinder side, so I'll be direct:

- Our spec is **≤0.05 mm** runout at the burr carrier. From your photo, that unit looks out of spec.
- Please open a ticket and mention this thread. I'll make sure support sends you a **replacement burr carrier** under warranty at no cost.
- We know some carriers from a supplier batch last year were at the edge of tolerance. A revised carrier with a tighter machining process is being tested now.""",
                "hours_after": 12,
                "reply_to": None,
                "likes": ["grumpyportafilter", "pidbodger", "mod", "lena_b"],
            },
            {
                "author": "grumpyportafilter",
                "body": """Appreciate the straight answer. Ticket is BRV-30552.

But I'll say it plainly so it stays on the record: **people shouldn't have to shim a €620 grinder, or post on a forum, to get it aligned properly.**""",
                "hours_after": 14,
                "reply_to": 2,
                "likes": ["pidbodger", "lena_b", "oldcrema", "refractometer_rob"],
            },
            {
                "author": "mika_roasts",
                "body": "Counterpoint for balance: mine showed 85 to 90 % contact out of the box (bought this spring). Maybe it's batch-dependent, like Yuki said.",
                "hours_after": 20,
                "reply_to": None,
                "likes": ["rep2"],
            },
            {
                "author": "kwame",
                "body": """Volunteer mod note, lightly: a couple of replies in this thread were flagged as “too negative”. They're staying. Criticism that comes with measurements is exactly what this section is for.

Just keep the heat on the grinder, not on each other. So far everyone has. 👍""",
                "hours_after": 22,
                "reply_to": None,
                "likes": ["grumpyportafilter", "mod", "admin", "rep2", "oldcrema"],
            },
            {
                "author": "rep2",
                "body": "Update: Walt's replacement carrier shipped today. I asked support to include a marker and shim set so he can check it independently.",
                "hours_after": 120,
                "reply_to": 3,
                "likes": ["grumpyportafilter", "mod"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Replacement carrier is in. The marker test shows about **80 % contact** without shims. That's much better, and the shots are clearer. My criticism of QC stands, but credit where it's due for the follow-through.",
                "hours_after": 340,
                "reply_to": 6,
                "likes": [
                    "rep2",
                    "pidbodger",
                    "mod",
                    "refractometer_rob",
                    "mika_roasts",
                ],
            },
            {
                "author": "rep2",
                "body": "Final note for anyone who finds this later: the revised carrier is now with the beta testers, and results will be shared publicly once testing finishes. If your Macina 64 shows less than about 70 % contact, open a ticket and link this thread.",
                "hours_after": 1140,
                "reply_to": None,
                "likes": ["grumpyportafilter", "lena_b", "member"],
            },
        ],
        "likes": [
            "pidbodger",
            "refractometer_rob",
            "lena_b",
            "oldcrema",
            "mika_roasts",
            "member",
        ],
        "accepted": None,
    },
    {
        "category": "grinders",
        "title": "Single-dosing the Macina Mini: bellows, RDT and retention numbers",
        "author": "pidbodger",
        "tags": ["single-dosing", "retention", "macina-mini"],
        "days_ago": 33,
        "body": """I weighed what goes in and what comes out of the Macina Mini, 10 runs each, 18.0 g of medium roast:

| Setup | Avg out | Retention |
|---|---|---|
| Stock, no tricks | 17.2 g | 0.8 g |
| RDT (one spray of water on the beans) | 17.6 g | 0.4 g |
| 3D-printed bellows lid | 17.8 g | 0.2 g |
| RDT + bellows | 17.9 g | 0.1 g |

The bellows lid STL is here: https://example.org/teodor/mini-bellows. It prints in PETG, no supports.""",
        "replies": [
            {
                "author": "dadbrews",
                "body": "RDT alone cut the static mess on my counter by about 90 %. One spray and done, perfect for the 6am rush.",
                "hours_after": 4,
                "reply_to": None,
                "likes": ["pidbodger", "newbean"],
            },
            {
                "author": "rep2",
                "body": "Nice numbers. A bit of insider info: the Mini's chute has a small anti-static flap that wears over time. If your retention goes up noticeably after a year or so, replacing it (BV-M-052, €4) usually brings it back. It's also worth checking if the grinder starts spraying grounds.",
                "hours_after": 9,
                "reply_to": None,
                "likes": ["pidbodger", "dadbrews", "newbean"],
            },
            {
                "author": "newbean",
                "body": "Does RDT hurt the burrs? It feels wrong to spray water into a grinder 😬",
                "hours_after": 15,
                "reply_to": None,
                "likes": [],
            },
            {
                "author": "pidbodger",
                "body": "One light spray is a few hundredths of a gram of water spread across 18 g of beans. It evaporates or leaves with the grounds. I've done it for two years with no rust. Don't soak them, obviously.",
                "hours_after": 16,
                "reply_to": 2,
                "likes": ["newbean", "dadbrews", "rep2"],
            },
        ],
        "likes": ["dadbrews", "newbean", "refractometer_rob", "member"],
        "accepted": None,
    },
    {
        "category": "grinders",
        "title": "Aftermarket burrs for the Macina 64: anyone tried them?",
        "author": "mika_roasts",
        "tags": ["burrs", "macina-64", "light-roast"],
        "days_ago": 10,
        "body": "For very light roasts I keep reading that “high-uniformity” 64 mm burrs make a big difference. Has anyone fitted aftermarket burrs to a Macina 64? Do they fit, and what does it do to the warranty?",
        "replies": [
            {
                "author": "pidbodger",
                "body": "Most 64 mm flat burrs use the same three-hole mounting pattern, and the ones I've tried fitted the Macina 64 carrier fine. You'll need to re-zero afterwards, and check alignment again (see Walt's thread).",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["mika_roasts"],
            },
            {
                "author": "rep2",
                "body": """From our side:

- The carrier takes standard 64 mm burrs with a three-hole pattern and 3.5 mm screws.
- We don't test aftermarket burrs, so we can't tell you what they'll taste like.
- **Warranty:** the motor, electronics and housing stay covered. Only the burrs themselves, and any damage the swap causes, aren't.
- Keep your stock burrs so you can put them back before any warranty repair.""",
                "hours_after": 7,
                "reply_to": None,
                "likes": ["mika_roasts", "pidbodger", "grumpyportafilter"],
            },
            {
                "author": "refractometer_rob",
                "body": "If you do it, please measure before and after with the same beans. I'll happily lend you my sieve set. Most “night and day” burr reviews come with no data at all.",
                "hours_after": 12,
                "reply_to": None,
                "likes": ["mika_roasts", "grumpyportafilter"],
            },
        ],
        "likes": ["refractometer_rob", "lena_b"],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Ideas & feedback
    # ------------------------------------------------------------------
    {
        "category": "product-ideas",
        "title": "Duo firmware wishlist: collecting ideas in one place",
        "author": "member",
        "tags": ["firmware", "wishlist", "duo"],
        "days_ago": 44,
        "body": """Since 2.3 came out, people have been suggesting features in lots of different threads. Let's gather them here. One idea per reply, please, and **like** the ones you want so the reps can see what's popular.

To start, mine:

- **Named recipes:** save 3 or 4 presets (temp + preinfusion + target yield) and switch with one button
- **Target weight stop** with a Bluetooth scale""",
        "replies": [
            {
                "author": "refractometer_rob",
                "body": "**Shot data export:** a CSV of time, pressure and temperature per shot over USB. I'll do the analysis myself; I just want the numbers.",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["member", "pidbodger", "mika_roasts", "grumpyportafilter"],
            },
            {
                "author": "hollis_cafe",
                "body": "**Café mode:** a PIN-locked settings menu. Part-time staff *will* find the temperature menu on a quiet Sunday.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["latte_lucia", "kwame", "member"],
            },
            {
                "author": "latte_lucia",
                "body": "**Steam boiler auto-off** on its own timer. I only steam in the morning, so keeping 2 litres at 1.5 bar all afternoon is a waste.",
                "hours_after": 9,
                "reply_to": None,
                "likes": ["hollis_cafe", "lena_b", "member"],
            },
            {
                "author": "pidbodger",
                "body": "**A documented serial protocol.** Even read-only would do. I'd rather not reverse-engineer the display bus again.",
                "hours_after": 12,
                "reply_to": None,
                "likes": ["refractometer_rob", "grumpyportafilter"],
            },
            {
                "author": "grumpyportafilter",
                "body": "+1 to the serial protocol. And a request for whoever is listening: **please don't put any of these behind an app or an account.** A USB stick and the buttons on the machine is a feature, not a limitation.",
                "hours_after": 20,
                "reply_to": 3,
                "likes": [
                    "pidbodger",
                    "oldcrema",
                    "refractometer_rob",
                    "lena_b",
                    "hollis_cafe",
                ],
            },
            {
                "author": "rep",
                "body": """Thanks everyone, this is exactly the kind of list the firmware team can use. What I'm allowed to say:

- **CSV shot export** is in the 2.4 beta that just went to the Beta lab. 🎉
- **Steam auto-off timer** is in the same beta.
- **Café PIN lock** is on the roadmap, without a date.
- **Serial protocol:** I've asked. No promises.

And @grumpyportafilter: none of this needs an app or an account. USB and the buttons stay the main way to use the machine.""",
                "hours_after": 600,
                "reply_to": None,
                "likes": [
                    "member",
                    "refractometer_rob",
                    "latte_lucia",
                    "grumpyportafilter",
                    "hollis_cafe",
                ],
            },
        ],
        "likes": [
            "refractometer_rob",
            "hollis_cafe",
            "pidbodger",
            "latte_lucia",
            "mika_roasts",
        ],
        "accepted": None,
    },
    {
        "category": "product-ideas",
        "title": "Idea: a yearly maintenance kit (gaskets, screens, O-rings) at a fair price",
        "author": "hollis_cafe",
        "tags": ["spare-parts", "maintenance"],
        "days_ago": 36,
        "body": """Right now, a gasket, shower screen, steam tip O-ring and anti-vac seal for the Duo means four separate orders or four lines in the basket, and I always forget one.

**Idea:** one “annual service kit” per machine, with part numbers printed on the bag and a one-page guide inside. Something like €25 to €30 for the Duo. We'd buy two a year for the café without thinking about it.""",
        "replies": [
            {
                "author": "grumpyportafilter",
                "body": "+1, and **print the part numbers** for each piece, so people can buy single items later without digging through diagrams.",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["hollis_cafe", "pidbodger", "member"],
            },
            {
                "author": "oldcrema",
                "body": "For the Leva too, please: piston seals, group gasket and the lever pin bushings.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["lena_b", "hollis_cafe"],
            },
            {
                "author": "rep",
                "body": "I like this a lot, and it fits with the steam valve thread. Passed to the parts team, along with the suggested price range and the part-numbers request. One question back to you all: **would you want descaler in the kit**, or is it better left out because so many of you use blended water?",
                "hours_after": 8,
                "reply_to": None,
                "likes": ["hollis_cafe", "member"],
            },
            {
                "author": "refractometer_rob",
                "body": """> would you want descaler in the kit

Leave it out, or make it a separate option. Half this forum hasn't descaled in years.""",
                "hours_after": 10,
                "reply_to": 2,
                "likes": ["rep", "lena_b", "oldcrema"],
            },
        ],
        "likes": [
            "member",
            "pidbodger",
            "kwame",
            "ana_souza",
            "grumpyportafilter",
            "latte_lucia",
        ],
        "accepted": None,
    },
    {
        "category": "product-ideas",
        "title": "Idea: a flow-control paddle kit for the Piccola",
        "author": "pidbodger",
        "tags": ["flow-control", "piccola", "mods"],
        "days_ago": 25,
        "body": "Flow control has become the cool thing for light roasts and long preinfusions. The Piccola already has a 58 mm group and space above it. A bolt-on needle valve kit with a paddle would make it an amazing little playground. Would anyone else buy it?",
        "replies": [
            {
                "author": "rep2",
                "body": """Honest engineering answer: it's harder than it looks on the Piccola.

- The Piccola has a **vibratory pump**. Restricting flow after it changes how the pump behaves and can make it noisy or shorten its life.
- Space above the group is tight because the boiler sits right behind it.

That's not a no, but it's the reason it hasn't happened yet. I've added this thread to our ideas log so the demand is on record.""",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["pidbodger", "refractometer_rob", "lena_b"],
            },
            {
                "author": "latte_lucia",
                "body": "I'd buy one. Even a simple “slow start” paddle would be fun for training people at home.",
                "hours_after": 8,
                "reply_to": None,
                "likes": ["pidbodger"],
            },
            {
                "author": "pidbodger",
                "body": """> Restricting flow after it changes how the pump behaves

Fair point. I'd forgotten about vibe pump back-pressure. Maybe a version that bleeds back to the tank instead of restricting? I'll prototype something and report back.""",
                "hours_after": 12,
                "reply_to": 0,
                "likes": ["rep2", "lena_b"],
            },
        ],
        "likes": ["latte_lucia", "lena_b", "refractometer_rob", "kwame"],
        "accepted": None,
    },
    {
        "category": "product-ideas",
        "title": "Publish service manuals and exploded diagrams for every product",
        "author": "grumpyportafilter",
        "tags": ["repairability", "documentation"],
        "days_ago": 16,
        "body": """If Brevetto wants to be the repairable brand it says it is, publish:

1. **Exploded diagrams** with part numbers for every machine and grinder
2. **Service manuals**, including torque values, wiring diagrams and error code tables
3. **Firmware changelogs** that go back to 1.0

Half the threads in Troubleshooting could be answered with a diagram.""",
        "replies": [
            {
                "author": "pidbodger",
                "body": "+1000. Error code tables especially. Jonah's E4 thread took two people guessing before a rep confirmed it.",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["grumpyportafilter", "dadbrews", "member"],
            },
            {
                "author": "rep",
                "body": """Where things stand, so everyone has the same facts:

- **Exploded diagrams:** Duo and Piccola are already on the support site (https://support.brevetto.example/diagrams). Leva and both Macinas are being drawn now.
- **Error code tables:** I agree these should be public. I've asked for the Piccola and Duo tables to go up, and I'll post here when they do.
- **Full service manuals:** at the moment these go only to service partners, because of mains-voltage and pressure-vessel liability. I've passed on this thread, but I can't promise a change.""",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["grumpyportafilter", "pidbodger", "mod", "member"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Diagrams and error codes would be a good start. On the manuals: other industries publish them with a warning page at the front. I'll keep asking.",
                "hours_after": 9,
                "reply_to": 1,
                "likes": ["pidbodger", "oldcrema"],
            },
            {
                "author": "member",
                "body": "As a newer owner: even a simple error code card in the box would have saved me a panic or two.",
                "hours_after": 30,
                "reply_to": None,
                "likes": ["dadbrews", "newbean"],
            },
        ],
        "likes": [
            "pidbodger",
            "dadbrews",
            "oldcrema",
            "lena_b",
            "hollis_cafe",
            "member",
            "refractometer_rob",
        ],
        "accepted": None,
    },
    {
        "category": "site-feedback",
        "title": "Suggestion: a post template for dial-in questions",
        "author": "refractometer_rob",
        "tags": ["site", "templates"],
        "days_ago": 20,
        "body": """Every second thread in Espresso starts with three replies asking for the dose, yield, time and beans. How about a template that pre-fills new topics in Brewing help?

```
Machine / firmware:
Grinder / setting:
Beans / roast date:
Dose → yield, time:
Brew temperature:
Tastes like:
```""",
        "replies": [
            {
                "author": "admin",
                "body": "Great idea. Done: new topics in Brewing help → Espresso now start with this template pre-filled (you can delete it if your question doesn't fit). Let me know if it's annoying anywhere.",
                "hours_after": 18,
                "reply_to": None,
                "likes": ["refractometer_rob", "mod", "kwame", "newbean"],
            },
            {
                "author": "newbean",
                "body": "As the person who would have needed this most: yes please. 😄",
                "hours_after": 20,
                "reply_to": None,
                "likes": ["refractometer_rob", "admin"],
            },
            {
                "author": "mod",
                "body": "Thanks both. I'll also add a line to the moderation notes so we point people at the template instead of asking for details one by one.",
                "hours_after": 22,
                "reply_to": 0,
                "likes": ["admin", "refractometer_rob"],
            },
        ],
        "likes": ["mod", "kwame", "oldcrema", "member"],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Café & community
    # ------------------------------------------------------------------
    {
        "category": "introductions",
        "title": "Hi all: my first machine arrives Friday and I'm terrified",
        "author": "newbean",
        "tags": ["introductions", "beginner"],
        "days_ago": 92,
        "body": "Hello! I'm Priya. I've been drinking café flat whites for years and finally bought a Piccola and a Macina Mini. They arrive Friday. I've watched 40 hours of videos and understood maybe 20 % of them. Is there anything I should do on day one?",
        "replies": [
            {
                "author": "oldcrema",
                "body": "Welcome! Day one: buy **fresh beans** with a roast date, get a cheap **scale** that reads 0.1 g, and expect the first 10 shots to be bad. That's normal. Everyone's were.",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["newbean", "mod", "member"],
            },
            {
                "author": "member",
                "body": "I was you six months ago! Keep a notebook: dose, yield, time, taste. It makes asking for help here much easier.",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["newbean", "refractometer_rob"],
            },
            {
                "author": "mod",
                "body": "Welcome, Priya! The pinned *Start here* post has a template for asking brewing questions. When you're stuck, post in Brewing help → Espresso and people will jump in. No question is too basic.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["newbean"],
            },
            {
                "author": "dadbrews",
                "body": "Also: your sink will become a coffee ground crime scene. Make peace with it early.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["newbean", "oldcrema", "ana_souza"],
            },
        ],
        "likes": ["oldcrema", "member", "mod"],
        "accepted": None,
    },
    {
        "category": "introductions",
        "title": "Olá from Curitiba! 🇧🇷",
        "author": "ana_souza",
        "tags": ["introductions"],
        "days_ago": 90,
        "body": """Hi everyone! I'm Ana, from Curitiba in southern Brazil. I have a Piccola and I'm obsessed with latte art (badly, for now).

Brazilian coffee is my daily life, but mostly brewed as filter at home, so espresso is all new to me. I also run a small WhatsApp group of local home baristas and I'll probably translate some of your threads for them, if that's OK!""",
        "replies": [
            {
                "author": "mod",
                "body": "Welcome, Ana! Translating threads for your group is absolutely fine. A link back here is appreciated but not required.",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["ana_souza"],
            },
            {
                "author": "latte_lucia",
                "body": "A latte art person! Post your pours, bad ones included. Especially the bad ones. They're how we help.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["ana_souza", "member"],
            },
            {
                "author": "rep",
                "body": "Bem-vinda, Ana! For parts and service in Brazil, the distributor is listed on https://support.brevetto.example/where-to-buy. If you ever get stuck with them, mention me here.",
                "hours_after": 8,
                "reply_to": None,
                "likes": ["ana_souza"],
            },
            {
                "author": "lena_b",
                "body": "Grüße from Vienna! I'd love to hear how people make coffee at home in Brazil. Please share.",
                "hours_after": 14,
                "reply_to": None,
                "likes": ["ana_souza"],
            },
        ],
        "likes": ["mod", "latte_lucia", "lena_b", "newbean"],
        "accepted": None,
    },
    {
        "category": "setups",
        "title": "Show us your espresso corner",
        "author": "latte_lucia",
        "tags": ["setups", "show-and-tell"],
        "days_ago": 85,
        "body": """Let's see them! Photos, gear lists, cable disasters, everything.

Mine: Duo (with the 2-hole tip, of course), Macina 64, a wooden knock box my dad made, six milk jugs I definitely need, and a tiny plant that's survived three years of steam. 🌱""",
        "replies": [
            {
                "author": "hollis_cafe",
                "body": "Home setup is just a Piccola on a trolley, because all my good gear lives at the café. The cobbler's children go barefoot.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["latte_lucia", "kwame"],
            },
            {
                "author": "pidbodger",
                "body": "The Frankenduo: Duo with side panels off permanently, a pressure transducer, a needle valve, a Raspberry Pi logging everything, and a label on the front saying **DO NOT TOUCH: EXPERIMENT IN PROGRESS**. My partner has stopped asking.",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["latte_lucia", "refractometer_rob", "member", "dadbrews"],
            },
            {
                "author": "member",
                "body": "Duo and Macina 64 on an IKEA kitchen cart, scale, WDT tool and a notebook full of shot logs. Still proud of the first-ever clean cable run.",
                "hours_after": 9,
                "reply_to": None,
                "likes": ["latte_lucia"],
            },
            {
                "author": "dadbrews",
                "body": "Piccola, Macina Mini, and a child-proof gate across the kitchen. The gate is the most important part of the setup.",
                "hours_after": 12,
                "reply_to": None,
                "likes": ["latte_lucia", "hollis_cafe", "member", "ana_souza"],
            },
            {
                "author": "lena_b",
                "body": "Leva on an old marble-topped dresser from my grandmother, with a brass tamper that's older than me. Very Viennese.",
                "hours_after": 30,
                "reply_to": None,
                "likes": ["latte_lucia", "oldcrema"],
            },
        ],
        "likes": ["hollis_cafe", "member", "dadbrews", "ana_souza", "kwame"],
        "accepted": None,
    },
    {
        "category": "setups",
        "title": "Little Anvil's bar after the refit: two Duos and a lot of tiles",
        "author": "hollis_cafe",
        "tags": ["setups", "cafe"],
        "days_ago": 42,
        "body": """We closed for two weeks and rebuilt the bar. Current state:

- **Two Duos** side by side instead of one big two-group. If one goes down we still have a machine, and the eco standby saves real money overnight.
- A Macina 64 for the house blend and a second one for decaf and guest coffee
- Green tiles my partner chose, and which I now have to admit were the right call

Photos: https://example.org/littleanvil/refit""",
        "replies": [
            {
                "author": "latte_lucia",
                "body": "Two prosumer machines instead of one commercial is such an interesting choice for a small café. How do they hold up at the morning rush?",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["hollis_cafe"],
            },
            {
                "author": "hollis_cafe",
                "body": "About 120 drinks on a busy morning and they keep up. Steam recovery is the bottleneck during a latte rush. Steam pressure at 1.8 bar helps.",
                "hours_after": 4,
                "reply_to": 0,
                "likes": ["latte_lucia", "kwame"],
            },
            {
                "author": "kwame",
                "body": "Those tiles are gorgeous. Your partner was right.",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["hollis_cafe"],
            },
            {
                "author": "rep",
                "body": "Love seeing Duos working in a café. Just a note: home machines in commercial use have a shorter warranty (6 months), so please register them as commercial with support. Parts are the same, so the maintenance kit idea would help you a lot.",
                "hours_after": 10,
                "reply_to": None,
                "likes": ["hollis_cafe"],
            },
            {
                "author": "grumpyportafilter",
                "body": "Beautiful bar. I'd still check the alignment on both of those grinders, though. 😉",
                "hours_after": 20,
                "reply_to": None,
                "likes": ["hollis_cafe", "pidbodger"],
            },
        ],
        "likes": ["latte_lucia", "kwame", "member", "admin", "rep"],
        "accepted": None,
    },
    {
        "category": "off-topic",
        "title": "What do you listen to while dialing in?",
        "author": "dadbrews",
        "tags": ["music"],
        "days_ago": 9,
        "body": "For me it's whatever children's song is stuck in my head. I'm curious what everyone else has on when they're grinding.",
        "replies": [
            {
                "author": "lena_b",
                "body": "Schubert on Sunday mornings. The lever and a piano trio go together well.",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["oldcrema", "dadbrews"],
            },
            {
                "author": "ana_souza",
                "body": "Bossa nova, obviously. 🇧🇷",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["dadbrews", "lena_b", "latte_lucia"],
            },
            {
                "author": "pidbodger",
                "body": "The sound of the pump, over headphones, through a contact mic. ...I'm kidding. Mostly.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["dadbrews", "refractometer_rob", "member"],
            },
            {
                "author": "hollis_cafe",
                "body": "In the café there's a strict “no more than two songs from the same album” rule, enforced by the opening barista. At home it's silence.",
                "hours_after": 8,
                "reply_to": None,
                "likes": ["dadbrews", "kwame"],
            },
        ],
        "likes": ["ana_souza", "lena_b"],
        "accepted": None,
    },
    # ------------------------------------------------------------------
    # Beta lab (beta-testers group only)
    # ------------------------------------------------------------------
    {
        "category": "beta-lab",
        "title": "Duo firmware 2.4 beta 1: pump profiles, CSV shot export, steam timer (feedback thread)",
        "author": "rep",
        "tags": ["firmware", "beta", "duo"],
        "days_ago": 21,
        "pinned": True,
        "body": """Thanks for volunteering, everyone. **2.4.0-b1** is ready for rev B Duos (serial `DU2…`). Rev A units can't run pump profiles because they have a fixed-speed pump, but everything else works on them.

**What's new**

- **Pump profiles:** 3 user slots, each a list of up to 5 (time, pressure) points. Edit them on the machine or load them from `profiles.txt` on the stick.
- **CSV shot export:** every shot is logged (time, pressure, brew temp, flow estimate). Menu → Data → Export writes to the USB stick.
- **Steam boiler timer:** automatically switches the steam boiler off after X hours.

**Example `profiles.txt`:**

```
# slot, then (seconds, bar) points
P1: (0,2) (6,2) (8,9) (25,9) (35,6)
P2: (0,3) (10,3) (12,8) (40,5)
```

**What I'd like from you:** anything that crashes, freezes or logs nonsense, and whether the profiles feel worthwhile. Please keep screenshots in this category until release.

Known issue: the export takes about 40 s for 500 shots and the display looks frozen while it runs. It isn't.""",
        "replies": [
            {
                "author": "refractometer_rob",
                "body": """Export works. 212 shots, and the CSV opens cleanly. Two notes:

1. The `flow_est` column is in **ml/s × 10** (so 18 means 1.8 ml/s), which isn't documented. A header note would help.
2. Timestamps are local time with no timezone. Can it write ISO 8601 with an offset?""",
                "hours_after": 10,
                "reply_to": None,
                "likes": ["rep", "pidbodger", "member"],
            },
            {
                "author": "hollis_cafe",
                "body": "Steam timer is great. I've set it to 10 hours so it switches off after close. On day 3 the machine showed `E7` for a second when the timer fired, then carried on fine. I'll try to reproduce it.",
                "hours_after": 80,
                "reply_to": None,
                "likes": ["rep", "rep2"],
            },
            {
                "author": "rep",
                "body": """> E7 for a second when the timer fired

Thanks, that's a real bug. E7 is a steam boiler level read timeout. It looks like the timer turns off the heater but keeps polling the probe. It's logged as **FW-1179**.

@refractometer_rob: both good points. The ISO 8601 timestamps and a documented header will be in b2.""",
                "hours_after": 84,
                "reply_to": 1,
                "likes": ["hollis_cafe", "refractometer_rob"],
            },
            {
                "author": "pidbodger",
                "body": """Pump profiles: I compared P1 above with my needle valve setup, on the same beans, logging both with my own transducer. The curves match within about 0.3 bar except at the first ramp, where the stock profile overshoots by about 0.8 bar for 1 s.

It's genuinely good. I might take the needle valve off. 😮""",
                "hours_after": 120,
                "reply_to": None,
                "likes": ["rep", "rep2", "refractometer_rob", "member", "lena_b"],
            },
            {
                "author": "member",
                "body": "Tried a light roast on a declining profile (9 → 6 bar) and got the sweetest shot I've pulled on this machine. Also found a shot timer bug, which I've posted in a separate thread.",
                "hours_after": 400,
                "reply_to": None,
                "likes": ["rep", "pidbodger"],
            },
        ],
        "likes": [
            "member",
            "refractometer_rob",
            "hollis_cafe",
            "pidbodger",
            "lena_b",
            "rep2",
        ],
        "accepted": None,
    },
    {
        "category": "beta-lab",
        "title": "Revised Macina 64 burr carrier: alignment test protocol and results",
        "author": "rep2",
        "tags": ["alignment", "macina-64", "beta"],
        "days_ago": 11,
        "body": """The revised carrier (the one I mentioned in the public alignment thread) has reached four of you. To make the results comparable, please follow this protocol:

1. Marker test on the **stock** carrier first: colour, close to touch, rotate 3 turns by hand, photograph
2. Fit the revised carrier. **No shims.**
3. Marker test again, photographed the same way
4. Optional: sieve 20 g at your usual espresso setting (400 and 800 µm)

Post your results in the table format below so I can merge them:

| Tester | Stock contact | Revised contact | Fines (stock → revised) |
|---|---|---|---|
| example | 55 % | 85 % | 13 % → 10 % |""",
        "replies": [
            {
                "author": "pidbodger",
                "body": """| Tester | Stock contact | Revised contact | Fines (stock → revised) |
|---|---|---|---|
| pidbodger | 60 % | 90 % | 14 % → 10 % |

The revised carrier also seats with a much more positive click. Nice change.""",
                "hours_after": 30,
                "reply_to": None,
                "likes": ["rep2", "refractometer_rob", "lena_b"],
            },
            {
                "author": "lena_b",
                "body": """| Tester | Stock contact | Revised contact | Fines (stock → revised) |
|---|---|---|---|
| lena_b | 70 % | 88 % | not measured |

No sieves here, sorry, but in the cup it's noticeably clearer on my Leva shots.""",
                "hours_after": 50,
                "reply_to": None,
                "likes": ["rep2", "pidbodger"],
            },
            {
                "author": "refractometer_rob",
                "body": """| Tester | Stock contact | Revised contact | Fines (stock → revised) |
|---|---|---|---|
| refractometer_rob | 75 % (after my own shims) | 92 % | 10 % → 9 % |

Smaller gain for me because I'd already shimmed, but it reached 92 % **without** shims, which is the point.""",
                "hours_after": 70,
                "reply_to": None,
                "likes": ["rep2", "pidbodger", "member"],
            },
            {
                "author": "hollis_cafe",
                "body": "Café grinder (the decaf one, about 3 kg a week): stock 55 %, revised 86 %. Baristas said “did you change the decaf?”, which is the best blind test I've got.",
                "hours_after": 90,
                "reply_to": None,
                "likes": ["rep2", "lena_b", "refractometer_rob"],
            },
            {
                "author": "rep2",
                "body": """Thank you all. Merged results:

| Tester | Stock | Revised |
|---|---|---|
| pidbodger | 60 % | 90 % |
| lena_b | 70 % | 88 % |
| refractometer_rob | 75 %* | 92 % |
| hollis_cafe | 55 % | 86 % |

\\* shimmed. I'm taking this to production review next week. Once there's a decision I'll post a summary publicly in the grinders category, including what happens for existing owners.""",
                "hours_after": 110,
                "reply_to": None,
                "likes": [
                    "pidbodger",
                    "lena_b",
                    "refractometer_rob",
                    "hollis_cafe",
                    "rep",
                ],
            },
        ],
        "likes": ["pidbodger", "lena_b", "refractometer_rob", "hollis_cafe", "member"],
        "accepted": None,
    },
    {
        "category": "beta-lab",
        "title": "2.4b1: shot timer resets to 0 if I touch the steam knob mid-shot",
        "author": "member",
        "tags": ["bug", "firmware", "duo"],
        "days_ago": 4,
        "body": """Steps to reproduce:

1. Start a shot (profile P1 or flat 9 bar, both do it)
2. Around 10 s in, open the steam knob to purge the wand
3. The shot timer jumps to `0.0` and counts again from zero

The shot itself carries on fine, but the CSV logs it as two shots (10 s and 20 s). Duo rev B, serial DU2-04…, 2.4.0-b1.""",
        "replies": [
            {
                "author": "hollis_cafe",
                "body": "Reproduced on both café machines. During the rush we purge while the shot runs all the time, so this would drive my staff up the wall.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["member", "rep"],
            },
            {
                "author": "rep",
                "body": """Reproduced on my bench Duo too, thanks for the clean steps, Sam. Cause: the steam valve switch event resets the *brew* state machine. It was meant to reset only the steam timer. Logged as **FW-1182** and fixed in b2, which should be out next week.

For now, the split CSV rows can be merged afterwards. They share a `session_id`.""",
                "hours_after": 6,
                "reply_to": None,
                "likes": ["member", "hollis_cafe", "refractometer_rob"],
            },
            {
                "author": "refractometer_rob",
                "body": """> They share a `session_id`.

Confirmed, that's how I merged mine: group by `session_id` and sum the durations. Looking forward to b2.""",
                "hours_after": 9,
                "reply_to": 1,
                "likes": ["member", "rep"],
            },
        ],
        "likes": ["hollis_cafe", "refractometer_rob", "pidbodger"],
        "accepted": None,
    },
]


# The ideas board (ideas app): votes and decisions on the ideas above, by
# title. votes_days_ago backdates the votes (and the response clock);
# decisions are made by the named decision owners, oldest first.
IDEAS: list[dict[str, Any]] = [
    {
        "title": "Idea: a yearly maintenance kit (gaskets, screens, O-rings) at a fair price",
        "votes": 13,
        "staff_votes": ["rep2"],
        "votes_days_ago": 30,
        "announced": True,
        "decisions": [
            {
                "owner": "rep",
                "status": "planned",
                "days_ago": 24,
                "rationale": "Parts already exist; we're choosing bags and printing the guide. Duo first, then the Piccola.",
            },
            {
                "owner": "rep",
                "status": "shipped",
                "days_ago": 3,
                "rationale": "The **Duo annual service kit** is in the shop today at €27: gasket, shower screen, steam-tip O-ring, anti-vac seal and a one-page guide. Thank you @hollis_cafe for proposing it and everyone who voted. The Piccola kit follows in the spring.",
            },
        ],
    },
    {
        "title": "Publish service manuals and exploded diagrams for every product",
        "votes": 11,
        "votes_days_ago": 14,
        "announced": True,
        "decisions": [
            {
                "owner": "rep",
                "status": "in_progress",
                "days_ago": 9,
                "rationale": """Where it stands:

- **Exploded diagrams:** Duo and Piccola are online; Leva and both Macinas are being drawn.
- **Error code tables:** going up with the next support-site update.
- **Full service manuals:** still partners only (mains voltage and pressure vessels). We'll say here if that changes.""",
            },
        ],
    },
    {
        "title": "Idea: a flow-control paddle kit for the Piccola",
        "votes": 12,
        "staff_votes": ["admin"],
        "votes_days_ago": 38,
        "announced": True,
        "decisions": [],
    },
    {
        "title": "Duo firmware wishlist: collecting ideas in one place",
        "votes": 7,
        "votes_days_ago": 20,
        "decisions": [
            {
                "owner": "rep",
                "status": "under_review",
                "days_ago": 12,
                "rationale": "The firmware team is reading this thread for the 2.4 planning. Named recipes and a target-weight stop are the two most asked for.",
            },
        ],
    },
]


# --- insights: recent questions for the listening report and give-and-get ------------------
# The same question asked again (descaling with hard water, sour shots, big
# milk bubbles), so /brand/insights/ has recurring questions to show, and a
# few recent member-to-member answers for "members who helped most this month".
INSIGHTS_TOPICS: list[dict[str, Any]] = [
    {
        "category": "water-and-maintenance",
        "title": "How often should I descale the Duo with hard water?",
        "author": "newbean",
        "tags": ["descaling", "water"],
        "days_ago": 4,
        "body": "Our water is very hard (about 18 °dH). The Duo asks for a descale every few weeks and I'm going through descaler fast. Is that normal, or is there a better way?",
        "replies": [
            {
                "author": "refractometer_rob",
                "body": "At 18 °dH the machine is right to nag you. Blend your water (distilled plus a mineral concentrate) and the descale reminders will mostly go away.",
                "hours_after": 2,
                "reply_to": None,
                "likes": ["newbean"],
            },
            {
                "author": "oldcrema",
                "body": "Same story here before I switched to a softening filter cartridge. Test the water after the filter, not before.",
                "hours_after": 5,
                "reply_to": None,
                "likes": ["newbean"],
            },
        ],
        "likes": ["dadbrews"],
        "accepted": 0,
    },
    {
        "category": "water-and-maintenance",
        "title": "Descaling the Piccola: how often with hard water?",
        "author": "dadbrews",
        "tags": ["descaling", "water"],
        "days_ago": 1,
        "body": "New Piccola owner in a hard-water town. The manual says 'regularly'. How often is regularly?",
        "replies": [],
        "likes": [],
        "accepted": None,
    },
    {
        "category": "espresso",
        "title": "Sour shots every morning on the Duo, what am I doing wrong?",
        "author": "latte_lucia",
        "tags": ["dialing-in"],
        "days_ago": 3,
        "body": "First shot of the day is always sour, later ones are fine. Same beans, same grind. Ideas?",
        "replies": [
            {
                "author": "pidbodger",
                "body": "Sounds like the group isn't fully heated. Give it 25 minutes, or pull a blank shot first to bring the group up to temperature.",
                "hours_after": 1,
                "reply_to": None,
                "likes": ["latte_lucia"],
            },
            {
                "author": "mika_roasts",
                "body": "Also check how old the beans in the hopper are overnight; the top layer goes stale fast.",
                "hours_after": 4,
                "reply_to": None,
                "likes": [],
            },
        ],
        "likes": [],
        "accepted": 0,
    },
    {
        "category": "milk-and-latte-art",
        "title": "Big bubbles in my milk no matter what, Duo steam wand",
        "author": "ana_souza",
        "tags": ["microfoam", "steaming", "duo"],
        "days_ago": 2,
        "body": "I stretch for two seconds, then sink the tip, and still get big bubbles on top. What am I missing?",
        "replies": [
            {
                "author": "latte_lucia",
                "body": "Stretch less, and tap and swirl right after. Big bubbles usually mean the tip sat too high for too long.",
                "hours_after": 3,
                "reply_to": None,
                "likes": ["ana_souza"],
            }
        ],
        "likes": [],
        "accepted": None,
    },
]


# --- Polls (polls app) ------------------------------------------------------------------
# Categories where members may add a poll to a new topic.
POLL_CATEGORIES = ["grinders", "setups", "off-topic", "site-feedback"]
POLLS: list[dict[str, Any]] = [
    {
        # A concept from the brand, asked in an ideas category.
        "author": "rep",
        "category": "product-ideas",
        "title": "Concept: a Macina Mini with a single-dose hopper. Would you use it?",
        "body": """We're sketching a **single-dose** version of the Macina Mini: a small bellows hopper instead of the bean hopper, a steeper chute, and a magnetic catch cup.

Nothing is decided, and this is not a launch: we want to know which parts matter to you before anyone builds a prototype. Vote for everything you'd actually use, and tell us in replies what we're missing.""",
        "question": "Which parts of the concept would you use? (up to 3)",
        "options": [
            "Bellows hopper",
            "Steeper chute for lower retention",
            "Magnetic catch cup",
            "RDT spray bottle in the box",
            "None of it: keep the current hopper",
        ],
        "kind": "multiple",
        "max_choices": 3,
        "closes_in_days": 21,
        "days_ago": 2,
        "show_results": "after_vote",
        "votes": {
            "member": [0, 1],
            "hollis_cafe": [1, 2],
            "pidbodger": [0, 1, 3],
            "grumpyportafilter": [4],
            "oldcrema": [1],
            "lena_b": [0, 2],
            "ana_souza": [1, 2, 3],
            "refractometer_rob": [1],
            "mika_roasts": [0, 1],
        },
        "replies": [
            (
                "grumpyportafilter",
                "Bellows are fine, but please don't drop the regular hopper. Not everyone single doses.",
            ),
            (
                "refractometer_rob",
                "The chute is the only part that changes the cup. I'd measure retention before and after.",
            ),
        ],
    },
    {
        # A member's poll in a discussion category, results at close.
        "author": "hollis_cafe",
        "category": "grinders",
        "title": "Poll: what burr size is your home grinder?",
        "body": "Curious how many of us went big on burrs. Vote first, then argue in the replies :)",
        "question": "Burr size of the grinder you use most?",
        "options": ["Under 50 mm", "54 to 58 mm", "63 to 64 mm", "71 mm or larger"],
        "kind": "single",
        "max_choices": None,
        "closes_in_days": 7,
        "days_ago": 3,
        "show_results": "at_close",
        "votes": {
            "member": [1],
            "pidbodger": [1],
            "newbean": [1],
            "oldcrema": [0],
            "latte_lucia": [2],
            "dadbrews": [1],
            "mika_roasts": [3],
        },
        "replies": [
            (
                "oldcrema",
                "64 mm flats here, and I still blame the beans before the burrs.",
            ),
        ],
    },
]

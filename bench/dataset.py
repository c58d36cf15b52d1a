# ruff: noqa: S311, SIM905, T201 -- seeded pseudo-random test data (no secrets); word lists as text; a command-line tool
"""Generate a forum export in Hearth's import format: deterministic, any size.

The output is what ``python manage.py import_forum DIR`` reads (the format is
documented in docs/import-format.md) plus two files for the benchmark and the
tests: ``meta.json`` (counts and the pages ``make bench`` loads) and
``SHA256SUMS``. It is the fixture of ``make bench``, of the import tests
(tests/forum/test_import.py) and of the import smoke step of ``.ci/run``.

Scale 1 is 2,000 members, 12 categories, 10,000 topics and 200,000 posts;
other scales multiply the members, topics and posts. A few "giant" topics
(1,500, 900, 640 and 520 posts) keep the same sizes at every scale, so the
deepest topic page is equally deep whatever the scale.

Deterministic: the same ``--seed`` and ``--scale`` give byte-identical files on
any machine and any CPython 3 version. Only ``random.Random`` seeded with
strings is used (its algorithm is stable across versions and independent of
``PYTHONHASHSEED``); nothing reads the clock, the environment or the file
system order. Changing what this script draws, or the order it draws it in,
changes every dataset: bump ``DEFAULT_SEED`` then, so old and new datasets are
never mistaken for each other.

  python3 bench/dataset.py --scale 1   --out var/bench/data-1
  python3 bench/dataset.py --scale 0.1 --out var/bench/data-0.1

It needs only the Python standard library (no Django, no virtualenv).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import IO, Any

DEFAULT_SEED = 20251123
BASE = {"users": 2000, "categories": 12, "topics": 10000, "posts": 200000}
# The giant topics (deep pagination): their number scales, their sizes don't,
# except the largest one's above scale 1 (issue 21: scale 10 has a 15,000-post
# topic, so its last page is measured ten times deeper than scale 1's).
GIANT_SIZES = [1500, 900, 640, 520]
NON_GIANT_CAP = 400  # every other topic has fewer than 500 posts
START = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2025, 6, 30, tzinfo=dt.UTC)
FILES = ["categories.jsonl", "users.jsonl", "topics.jsonl", "posts.jsonl"]

# (title, description, weight: the share of topics the category gets)
CATEGORIES = [
    ("General Discussion", "Anything that does not fit elsewhere.", 26),
    ("Help & Support", "Ask questions and get answers from the community.", 16),
    ("Development", "Building, testing and shipping software.", 12),
    ("Show and Tell", "Share what you have made.", 10),
    ("Hardware", "Machines, parts, benchmarks and builds.", 8),
    ("Off-Topic", "Everything else, within reason.", 7),
    ("Feature Requests", "Ideas for improving the project.", 6),
    ("Tutorials", "Guides and walkthroughs written by members.", 5),
    ("Announcements", "News from the team.", 4),
    ("Events", "Meetups, conferences and online sessions.", 3),
    ("Jobs", "Hiring and looking for work.", 2),
    ("Site Feedback", "Talk about this forum itself.", 1),
]

# Words are drawn with Zipf-like frequencies, as in real text, so that search
# has common and rare words to find.
FUNCTION_WORDS = (
    "the of and to a in is it that for you was on with as have be at this but "
    "not are they his from or by one had we all there can an were which she do "
    "their if will would so what about when up out them then some could more no "
    "into time only just also than like other how its our two any these because "
    "most after first well way even new want here those over why"
).split()

CONTENT_WORDS = (
    "system data version problem update server issue project code user file "
    "people thing work build release support question answer change setting "
    "config test result error page feature option example idea time case point "
    "design network model memory database performance storage service account "
    "library package machine option module install driver backup process query "
    "cache index request response client browser window screen keyboard mouse "
    "battery power cable board chip monitor laptop desktop phone camera printer "
    "router switch disk drive partition kernel shell script terminal command "
    "editor plugin theme layout font color image video audio music game player "
    "level score team match season league coach ticket event meeting schedule "
    "travel city train station airport hotel weather garden kitchen recipe "
    "coffee bread cheese market price budget report review article book chapter "
    "author story history language grammar word sentence letter number table "
    "chart graph metric benchmark latency throughput thread queue worker task "
    "job deadline estimate plan goal habit morning evening weekend holiday "
    "family friend neighbour school course lesson student teacher exam degree "
    "career interview salary office remote contract client vendor invoice "
    "license policy privacy security password token session cookie header "
    "payload format parser compiler runtime function method class object "
    "variable constant array string integer boolean pointer reference loop "
    "branch commit merge patch review pipeline deploy container cluster region "
    "bucket volume snapshot migration schema column row record field key value "
    "pair list map tree graph node edge path route handler middleware template "
    "widget button form input output log trace metric alert dashboard report "
    "summary detail note comment reply thread forum topic category member "
    "moderator admin profile avatar signature badge reputation vote poll "
    "survey feedback suggestion proposal draft sketch prototype mockup sample "
    "demo tutorial guide manual reference wiki faq document specification "
    "standard protocol interface adapter bridge gateway proxy firewall tunnel "
    "certificate domain address port socket packet frame signal noise filter "
    "sensor motor wheel engine fuel brake tyre bike car truck boat plane rocket "
    "planet star moon orbit telescope lens mirror sky cloud rain snow wind "
    "river lake mountain forest beach island desert valley bridge tower castle "
    "museum gallery painting photo poster card gift box bag shelf drawer lamp "
    "chair sofa carpet curtain door wall roof floor stair garage basement attic"
).split()

# The content word used as the benchmark's "common word" search.
SEARCH_WORD_RANK = 40

CODE_SNIPPETS = [
    (
        "python",
        [
            "def {f}({a}, {b}=None):",
            "    result = [x for x in {a} if x is not None]",
            "    if {b}:",
            "        result.sort(key=lambda item: item.{c})",
            "    return result",
        ],
    ),
    (
        "javascript",
        [
            "async function {f}({a}) {{",
            "  const res = await fetch(`/api/{c}/${{{a}.id}}`);",
            "  if (!res.ok) throw new Error(res.statusText);",
            "  return res.json();",
            "}}",
        ],
    ),
    (
        "bash",
        [
            "cd ~/{c}",
            "git pull --rebase",
            "./configure --prefix=/opt/{f}",
            "make -j4 && sudo make install",
        ],
    ),
    (
        "sql",
        [
            "SELECT {a}.id, count(*) AS n",
            "FROM {a} JOIN {b} ON {b}.{a}_id = {a}.id",
            "WHERE {b}.created_at > now() - interval '7 days'",
            "GROUP BY {a}.id ORDER BY n DESC LIMIT 20;",
        ],
    ),
    (
        "",
        [
            "[{c}]",
            "enabled = true",
            "{a}_limit = 128",
            '{b}_path = "/var/lib/{f}"',
        ],
    ),
]

# Usernames are adjective + noun + number: [a-z0-9] only, valid on any engine.
ADJ = (
    "quiet brave calm eager fuzzy happy jolly kind lucky merry nimble proud "
    "silly swift witty zany bold bright clever cosmic crisp dusty gentle "
    "golden green grey icy lively lunar mellow misty noble odd plain rapid "
    "red rustic shy solar spicy stormy sunny tidy urban vivid wild young"
).split()
NOUN = (
    "otter falcon maple river comet badger cedar harbor lantern meadow "
    "pebble quartz raven saffron thistle willow yak zephyr acorn beacon "
    "canyon delta ember fjord glacier heron island juniper kestrel lotus "
    "marble nebula orchid pine quill reef sparrow tundra umber violet "
    "walrus yarrow"
).split()
FIRST = (
    "Alex Sam Jordan Taylor Casey Riley Jamie Morgan Avery Quinn Robin "
    "Charlie Drew Emery Finley Harper Kai Logan Noel Parker Reese Rowan "
    "Sage Skyler Tatum Blair Dana Eden Hayden Jesse Lane Micah Nico "
    "Oakley Peyton Remy Shay Toby Val Wren"
).split()
LAST = (
    "Smith Garcia Okafor Nguyen Kowalski Rossi Müller Tanaka Silva Dubois "
    "Novak Larsen Haddad Costa Ivanova Kim Singh Murphy Andersson Bauer "
    "Moreau Jensen Petrov Santos Fischer Yilmaz Hughes Lopez Park Ali"
).split()


def rng_for(seed: int, name: str) -> random.Random:
    """One independent, reproducible stream per purpose (string seeds)."""
    return random.Random(f"{seed}:{name}")


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def zipf_cum(n: int, s: float) -> list[float]:
    """Cumulative weights of ranks 1..n under Zipf's law with exponent *s*."""
    out, acc = [], 0.0
    for rank in range(1, n + 1):
        acc += 1.0 / (rank**s)
        out.append(acc)
    return out


class TextGen:
    """Markdown that looks like forum posts: paragraphs, a little emphasis and
    inline code, links, lists, fenced code and quotes of the previous poster."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fcum = zipf_cum(len(FUNCTION_WORDS), 1.0)
        self.ccum = zipf_cum(len(CONTENT_WORDS), 1.0)

    def words(self, n: int) -> list[str]:
        r = self.rng
        n_function = sum(1 for _ in range(n) if r.random() < 0.45)
        function = r.choices(FUNCTION_WORDS, cum_weights=self.fcum, k=n_function)
        content = r.choices(CONTENT_WORDS, cum_weights=self.ccum, k=n - n_function)
        out = function + content
        r.shuffle(out)
        return out

    def sentence(self) -> str:
        r = self.rng
        words = self.words(r.randint(6, 18))
        x = r.random()  # light inline formatting
        if x < 0.04:
            i = r.randrange(len(words))
            words[i] = f"**{words[i]}**"
        elif x < 0.07:
            i = r.randrange(len(words))
            words[i] = f"*{words[i]}*"
        elif x < 0.10:
            i = r.randrange(len(words))
            words[i] = f"`{words[i]}_{r.choice(CONTENT_WORDS)}`"
        text = " ".join(words)
        end = "." if r.random() < 0.85 else ("?" if r.random() < 0.7 else "!")
        return text[0].upper() + text[1:] + end

    def paragraph(self, nmin: int = 1, nmax: int = 5) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(nmin, nmax)))

    def title(self) -> str:
        text = " ".join(self.words(self.rng.randint(4, 10)))
        text = text[0].upper() + text[1:]
        return text + ("?" if self.rng.random() < 0.3 else "")

    def link(self) -> str:
        r = self.rng
        path = "/".join(r.choice(CONTENT_WORDS) for _ in range(r.randint(1, 3)))
        host = r.choice(
            [
                "example.com",
                "example.org",
                "docs.example.net",
                "blog.example.com",
                "wiki.example.org",
            ]
        )
        url = f"https://{host}/{path}"
        if r.random() < 0.3:
            return url  # a bare URL (autolinked)
        text = " ".join(self.words(r.randint(2, 4)))
        return f"[{text}]({url})"

    def code_block(self) -> str:
        r = self.rng
        language, lines = CODE_SNIPPETS[r.randrange(len(CODE_SNIPPETS))]
        names = {
            "f": f"{r.choice(CONTENT_WORDS)}_{r.choice(CONTENT_WORDS)}",
            "a": r.choice(CONTENT_WORDS),
            "b": r.choice(CONTENT_WORDS),
            "c": r.choice(CONTENT_WORDS),
        }
        body = "\n".join(line.format(**names) for line in lines)
        return f"```{language}\n{body}\n```"

    def body(self, quote_author: str | None = None, opening: bool = False) -> str:
        r = self.rng
        blocks = []
        if quote_author is not None and r.random() < 0.15:
            quoted = self.paragraph(1, 2)
            blocks.append(f"> **@{quote_author}** wrote:\n>\n> {quoted}")
        n_paragraphs = r.choices([1, 2, 3, 4, 5], weights=[35, 30, 20, 10, 5])[0]
        if opening:
            n_paragraphs += 1
        for _ in range(n_paragraphs):
            blocks.append(self.paragraph())
        if r.random() < 0.15:
            i = r.randrange(len(blocks))
            blocks[i] = blocks[i] + " See " + self.link() + " for details."
        if r.random() < 0.05:
            items = "\n".join(
                "- " + " ".join(self.words(r.randint(3, 8)))
                for _ in range(r.randint(2, 5))
            )
            blocks.insert(r.randint(1, len(blocks)), items)
        if r.random() < (0.16 if opening else 0.08):
            blocks.insert(r.randint(1, len(blocks)), self.code_block())
        return "\n\n".join(blocks)


def allocate_topic_sizes(
    rng: random.Random, n_topics: int, n_posts: int, giants: list[int]
) -> list[int]:
    """Posts per topic (each at least 1), summing to *n_posts*.

    The first ``len(giants)`` topics get the giant sizes; the others a
    log-normal share of the rest, capped below 500 posts ("water-filling":
    shares over the cap get the cap, the others split what is left in
    proportion, by largest remainder).
    """
    rest = n_topics - len(giants)
    extra_total = n_posts - sum(giants) - rest
    if extra_total < 0:
        raise SystemExit("too few posts for the number of topics")
    weights = [math.exp(rng.gauss(1.0, 1.7)) for _ in range(rest)]
    cap = NON_GIANT_CAP - 1
    extra = [0] * rest
    remaining = extra_total
    active = list(range(rest))
    while True:
        total_weight = sum(weights[i] for i in active)
        over = [i for i in active if remaining * weights[i] / total_weight > cap]
        if not over:
            break
        for i in over:
            extra[i] = cap
            remaining -= cap
        over_set = set(over)
        active = [i for i in active if i not in over_set]
        if not active:
            raise SystemExit("cannot allocate posts under cap")
    total_weight = sum(weights[i] for i in active)
    fractions = []
    for i in active:
        share = remaining * weights[i] / total_weight
        extra[i] = int(share)
        fractions.append((share - int(share), i))
    left = remaining - sum(extra[i] for i in active)
    fractions.sort(key=lambda item: (-item[0], item[1]))
    for _, i in fractions[:left]:
        extra[i] += 1
    return list(giants) + [1 + e for e in extra]


def _dump(fh: IO[str], obj: dict[str, Any]) -> None:
    line = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    fh.write(line + "\n")


def giant_sizes(scale: float) -> list[int]:
    """The giant topics' sizes at *scale*: their number scales; the largest
    grows with the scale above 1 (1,500 posts up to scale 1, 15,000 at 10)."""
    n_giants = max(1, round(len(GIANT_SIZES) * scale))
    giants = [GIANT_SIZES[i % len(GIANT_SIZES)] for i in range(n_giants)]
    giants[0] = GIANT_SIZES[0] * max(1, round(scale))
    return giants


def generate(
    out: Path, *, scale: float = 1.0, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """Write the dataset for *scale* and *seed* into *out*; return meta.json's data."""
    n_users = max(20, round(BASE["users"] * scale))
    n_cats = BASE["categories"]
    n_topics = max(n_cats * 2, round(BASE["topics"] * scale))
    giants = giant_sizes(scale)
    n_posts = max(sum(giants) + n_topics, round(BASE["posts"] * scale))
    out.mkdir(parents=True, exist_ok=True)

    # --- The skeleton: topics, their sizes, times and authors -------------
    r = rng_for(seed, "skeleton")
    sizes = allocate_topic_sizes(r, n_topics, n_posts, giants)
    # Shuffled, so the giant topics are not topics 1..g.
    order = list(range(n_topics))
    r.shuffle(order)
    sizes = [sizes[i] for i in order]
    cat_cum = []
    acc = 0
    for _title, _description, weight in CATEGORIES:
        acc += weight
        cat_cum.append(acc)
    span = (END - START).total_seconds()
    # Topic start times skewed towards the end: a growing forum.
    starts = sorted(r.random() ** 0.75 * (span - 86400 * 45) for _ in range(n_topics))
    user_cum = zipf_cum(n_users, 0.7)
    user_perm = list(range(1, n_users + 1))
    r.shuffle(user_perm)  # activity rank -> user id

    def pick_user() -> int:
        return user_perm[bisect.bisect_left(user_cum, r.random() * user_cum[-1])]

    topics: list[dict[str, Any]] = []
    skeleton: list[tuple[float, int, int, int]] = []  # (second, topic, position, user)
    for ti in range(n_topics):
        n = sizes[ti]
        category = bisect.bisect_left(cat_cum, r.random() * cat_cum[-1]) + 1
        start = starts[ti]
        available = span - start
        if n >= 500:
            mean_gap = available / n / 1.2
        else:
            mean_gap = r.choice([600, 3600, 4 * 3600, 24 * 3600])
        gaps = [r.expovariate(1.0 / mean_gap) + 1 for _ in range(n - 1)]
        total = sum(gaps)
        if total > available * 0.98:
            factor = available * 0.98 / total
            gaps = [gap * factor for gap in gaps]
        t = start
        author = pick_user()
        skeleton.append((t, ti, 1, author))
        for position in range(2, n + 1):
            t += gaps[position - 2]
            skeleton.append((t, ti, position, pick_user()))
        topics.append(
            {
                "category_id": category,
                "user_id": author,
                "start": start,
                "last": t,
                "post_count": n,
                "views": n * r.randint(3, 40) + r.randint(0, 200),
                "is_pinned": False,
                "is_closed": r.random() < 0.02,
            }
        )
    # Post ids in chronological order over the whole forum.
    skeleton.sort(key=lambda row: (row[0], row[1], row[2]))
    first_seen: dict[int, float] = {}
    for t, _ti, _position, uid in skeleton:
        if uid not in first_seen:
            first_seen[uid] = t

    # --- Categories; the two earliest topics of each are pinned -------------
    categories = []
    for i, (title, description, _weight) in enumerate(CATEGORIES, 1):
        slug = "".join(c.lower() if c.isalnum() else "-" for c in title)
        slug = "-".join(part for part in slug.split("-") if part)
        categories.append(
            {
                "id": i,
                "title": title,
                "slug": slug,
                "description": description,
                "position": i,
            }
        )
    pinned: dict[int, int] = {}
    for topic in topics:
        category = topic["category_id"]
        if pinned.get(category, 0) < 2 and topic["post_count"] < 500:
            topic["is_pinned"] = True
            pinned[category] = pinned.get(category, 0) + 1

    # --- Members; each joined before their first post -------------------------
    ru = rng_for(seed, "users")
    bio_text = TextGen(rng_for(seed, "usertext"))
    users: list[dict[str, Any]] = []
    used = set()
    for uid in range(1, n_users + 1):
        while True:
            name = f"{ru.choice(ADJ)}{ru.choice(NOUN)}{ru.randint(1, 999)}"
            if name not in used:
                used.add(name)
                break
        if uid in first_seen:
            joined = max(0.0, first_seen[uid] - ru.random() * 30 * 86400)
        else:
            joined = ru.random() * span
        users.append(
            {
                "id": uid,
                "username": name,
                "email": f"{name}@example.com",
                "display_name": f"{ru.choice(FIRST)} {ru.choice(LAST)}",
                "joined_at": iso(START + dt.timedelta(seconds=int(joined))),
                "bio_md": bio_text.paragraph(1, 2) if ru.random() < 0.4 else "",
                "is_staff": uid == 1,
            }
        )
    username = {user["id"]: user["username"] for user in users}

    # --- Write the files -----------------------------------------------------
    text = TextGen(rng_for(seed, "text"))
    rl = rng_for(seed, "likes")
    search_word = CONTENT_WORDS[SEARCH_WORD_RANK - 1]
    search_word_posts = 0
    posts_by_user = [0] * (n_users + 1)
    previous_author: dict[int, int] = {}
    n_bytes = 0
    n_likes = 0

    with (out / "categories.jsonl").open("w", encoding="utf-8") as fh:
        for category_record in categories:
            _dump(fh, category_record)
    with (out / "users.jsonl").open("w", encoding="utf-8") as fh:
        for user in users:
            _dump(fh, user)
    with (out / "topics.jsonl").open("w", encoding="utf-8") as fh:
        for ti, topic in enumerate(topics):
            created = START + dt.timedelta(seconds=int(topic["start"]))
            last = START + dt.timedelta(seconds=int(topic["last"]))
            _dump(
                fh,
                {
                    "id": ti + 1,
                    "category_id": topic["category_id"],
                    "user_id": topic["user_id"],
                    "title": text.title(),
                    "created_at": iso(created),
                    "last_post_at": iso(last),
                    "post_count": topic["post_count"],
                    "views": topic["views"],
                    "is_pinned": topic["is_pinned"],
                    "is_closed": topic["is_closed"],
                },
            )
    with (out / "posts.jsonl").open("w", encoding="utf-8") as fh:
        for pid, (t, ti, position, uid) in enumerate(skeleton, 1):
            quoted = previous_author.get(ti)
            body = text.body(
                quote_author=username[quoted] if quoted else None,
                opening=position == 1,
            )
            previous_author[ti] = uid
            mean_likes = 2.5 if position == 1 else 0.9
            k = min(n_users - 1, int(rl.expovariate(1.0 / mean_likes)))
            likers = rl.sample(range(1, n_users + 1), k + 1)
            likes = sorted(x for x in likers if x != uid)[:k]
            n_likes += len(likes)
            if search_word in body:
                search_word_posts += 1
            posts_by_user[uid] += 1
            n_bytes += len(body.encode())
            _dump(
                fh,
                {
                    "id": pid,
                    "topic_id": ti + 1,
                    "user_id": uid,
                    "position": position,
                    "created_at": iso(START + dt.timedelta(seconds=int(t))),
                    "body_md": body,
                    "likes": likes,
                },
            )

    # --- What the benchmark loads ------------------------------------------------
    topics_per_category: dict[int, int] = {}
    for topic in topics:
        category = topic["category_id"]
        topics_per_category[category] = topics_per_category.get(category, 0) + 1
    largest_category = min(
        topics_per_category, key=lambda c: (-topics_per_category[c], c)
    )
    giant_topic = max(range(n_topics), key=lambda i: (sizes[i], -i)) + 1
    medium = [
        i + 1
        for i, topic in enumerate(topics)
        if topic["category_id"] == largest_category and 25 <= topic["post_count"] <= 35
    ]
    medium_topic = medium[len(medium) // 2] if medium else giant_topic
    top_user = max(range(1, n_users + 1), key=lambda u: (posts_by_user[u], -u))
    size_sorted = sorted(sizes)
    meta = {
        "seed": seed,
        "scale": scale,
        "counts": {
            "users": n_users,
            "categories": n_cats,
            "topics": n_topics,
            "posts": n_posts,
            "likes": n_likes,
        },
        "topic_size": {
            "min": size_sorted[0],
            "median": size_sorted[len(sizes) // 2],
            "p90": size_sorted[int(len(sizes) * 0.9)],
            "p99": size_sorted[int(len(sizes) * 0.99)],
            "max": size_sorted[-1],
            "n_ge_500": sum(1 for s in sizes if s >= 500),
        },
        "body_md_bytes_total": n_bytes,
        "targets": {
            "largest_category_id": largest_category,
            "largest_category_topics": topics_per_category[largest_category],
            "medium_topic_id": medium_topic,
            "medium_topic_posts": topics[medium_topic - 1]["post_count"],
            "giant_topic_id": giant_topic,
            "giant_topic_posts": sizes[giant_topic - 1],
            "profile_user_id": top_user,
            "profile_username": username[top_user],
            "profile_user_posts": posts_by_user[top_user],
            "search_word": search_word,
            "search_word_posts": search_word_posts,
        },
    }
    with (out / "meta.json").open("w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2, sort_keys=True)
        fh.write("\n")
    sums = [f"{sha256(out / name)}  {name}" for name in [*FILES, "meta.json"]]
    (out / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return meta


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    args = parser.parse_args(argv)
    started = time.monotonic()
    meta = generate(args.out, scale=args.scale, seed=args.seed)
    print(json.dumps(meta, indent=2, sort_keys=True))
    print((args.out / "SHA256SUMS").read_text(), end="")
    print(
        f"generated in {time.monotonic() - started:.1f}s -> {args.out}", file=sys.stderr
    )


if __name__ == "__main__":
    main()

"""Every moderation state change, one module per area (as Misago does):

- flags.py: flag a post, auto-hide at the threshold, review decisions
- posts.py: hide / unhide, remove spam or illegal content, redact personal data
- topics.py: lock, close, pin, move, merge, split, retitle, slow mode
- sanctions.py: warn, silence, suspend
- appeals.py: appeal once, decided by a different unaffiliated moderator

Each action asks permissions.policy first, changes rows in one transaction,
and writes the public record with moderation.log.record_action().
"""

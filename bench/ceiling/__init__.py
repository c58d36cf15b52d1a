"""The honest static ceiling of `make bench`: a plain Django project, as
`django-admin startproject` makes it (Django's default middleware, DEBUG
off), whose one view returns the topic page's bytes held in memory. It runs
under the same gunicorn settings as Hearth; every page's figure is reported
as a ratio to it (docs/benchmarks.md)."""

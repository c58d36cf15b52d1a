# Hearth production image: gunicorn serving Django, static files by whitenoise.
# The same image runs the web process, the Celery worker and Celery beat
# (see docker-compose.yml). No Docker engine runs where Hearth is developed,
# so this file is kept simple and checked by reading; see README "Deploying".
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod \
    PORT=8000

RUN groupadd --system hearth && useradd --system --gid hearth --home /app hearth

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --chown=hearth:hearth . .

# collectstatic needs settings but no secrets or services: a throwaway key,
# SQLite default, no Redis.
RUN SECRET_KEY=build-only-collectstatic-key-build-only-collectstatic-key-1234 \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media \
 && chown -R hearth:hearth /app/var

USER hearth
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request, sys; r = urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4); sys.exit(0 if r.status == 200 else 1)"

CMD ["sh", "-c", "exec gunicorn config.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-2} --access-logfile - --forwarded-allow-ips='*'"]

# veille in a container: the daemon by default, the web view with `serve`.
#   docker build -t veille .
#   docker run -d --name veille -v veille-data:/data --env-file secrets.env veille
#   docker run -d --name veille-web -v veille-data:/data -p 8001:8001 \
#       -e VEILLE_WEB_PASSWORD_HASH='scrypt$…' -e VEILLE_WEB_PUBLIC_NAMES=veille.example.ma \
#       veille serve --host 0.0.0.0
# (beyond loopback the web view asks for the team password, made by `veille serve
# --hash-password`, and answers only to localhost and the names in VEILLE_WEB_PUBLIC_NAMES; or
# publish it on the host's loopback behind a login proxy that passes the user in
# X-Forwarded-User, with `serve --host 0.0.0.0 --behind-auth-proxy`)
# On PostgreSQL (the image holds psycopg, veille[postgres]), put the database's location in
# the env file, VEILLE_DB=postgresql://veille:PASSWORD@db.example/veille, and run as above.
# The health check asks the daemon's own /health (`run --health-port 8099`, on the container's
# loopback): « degraded » (delivery late, a crawl stuck, most sources failing) is unhealthy.
# A container running anything else (`serve`, a `run` without --health-port) is checked by
# opening its database, SQLite or PostgreSQL (python -m monitors.service.probe).
# Data (database, logs) live in the /data volume; secrets come from the environment
# (VEILLE_SMTP_PASSWORD, VEILLE_SLACK_WEBHOOK_URL…), never from the image. The bundled sources
# and watchlists are used unless a volume puts your own in /etc/veille/ (sources.yaml,
# watchlists.yaml, secrets.env: `veille init DIR` writes a starter set to edit), e.g.
#   docker run -d --name veille -v veille-data:/data -v /srv/veille-config:/etc/veille:ro veille
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VEILLE_DB=/data/veille.db \
    VEILLE_LOG_FORMAT=json

# /var/lib/veille, the working folder, is the daemon's: on PostgreSQL its pidfile goes in
# data/ of the working folder (beside the file on SQLite), and /opt/veille is root's.
RUN useradd --create-home --uid 1000 veille && mkdir /data /var/lib/veille \
    && chown veille /data /var/lib/veille
WORKDIR /opt/veille
COPY pyproject.toml README.md ./
COPY crawler ./crawler
COPY monitors ./monitors
COPY seeds ./seeds
COPY scrapy.cfg ./
RUN pip install --no-cache-dir ".[postgres]"

USER veille
WORKDIR /var/lib/veille
VOLUME ["/data"]
EXPOSE 8001
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s CMD ["python", "-m", "monitors.service.probe", "8099"]
ENTRYPOINT ["veille"]
CMD ["run", "--health-port", "8099"]

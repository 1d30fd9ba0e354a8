# One image for every role: the web server (default command), the worker
# (`flask --app voting worker`) and the migration step (`flask --app voting db upgrade`).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VOTING_INSTANCE_PATH=/var/lib/voting \
    VOTING_MAIL_BACKEND=smtp

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/voting voting \
    && mkdir -p /var/lib/voting \
    && chown voting /var/lib/voting

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p voting judging \
    && touch voting/__init__.py judging/__init__.py \
    && pip install ".[s3]" \
    && pip uninstall -y voting-engine

COPY voting ./voting
COPY judging ./judging
COPY templates ./templates
COPY migrations ./migrations
RUN pip install --no-deps -e . && python -m compileall -q voting judging \
    && python -m voting.i18n.catalogues compile

USER voting
EXPOSE 8000
# Sync workers behind the buffering reverse proxy (docs/deploy.md): no thread
# switching on the ballot path; WEB_CONCURRENCY sets how many (about 4 a core).
# voting/gunicorn_conf.py keeps receipt codes out of the access log.
ENV FLASK_APP=voting \
    WEB_CONCURRENCY=8
CMD ["gunicorn", "--config", "python:voting.gunicorn_conf", "--bind", "0.0.0.0:8000", "--worker-class", "sync", \
     "--access-logfile", "-", "voting:create_app()"]

# The registry's API (and, with another command, its projector) as a container image.
#   docker build -t vko-registry .
#   docker run -p 8000:8000 -e REGISTRY_DATABASE_URL=postgresql://... vko-registry
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY registry ./registry
COPY projections ./projections
COPY api ./api
RUN pip install . \
    && useradd --system --create-home --uid 10001 registry \
    && mkdir -p /data \
    && chown registry:registry /data

USER registry
WORKDIR /data
# The embedded default; docker-compose.yml points every service at PostgreSQL instead.
ENV REGISTRY_DATABASE_URL=sqlite:////data/registry.sqlite
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["registry", "serve", "--host", "0.0.0.0", "--port", "8000"]

# wirewatch worker / feed poller image (used by docker-compose.yml). Runs as an unprivileged user.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY schemas ./schemas
RUN pip install --no-cache-dir . \
 && useradd --system --uid 10001 --create-home --home-dir /home/wirewatch wirewatch \
 && mkdir -p /var/lib/wirewatch \
 && chown wirewatch:wirewatch /var/lib/wirewatch
ENV WIREWATCH_BROKER=kafka://kafka:9092 \
    WIREWATCH_WEB_HOST=0.0.0.0
USER wirewatch
ENTRYPOINT ["wirewatch"]
CMD ["worker"]

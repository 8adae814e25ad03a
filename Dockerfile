# wirewatch worker / feed poller image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY schemas ./schemas
RUN pip install --no-cache-dir .
ENV WIREWATCH_BROKER=kafka://kafka:9092 \
    WIREWATCH_WEB_HOST=0.0.0.0
ENTRYPOINT ["wirewatch"]
CMD ["worker"]

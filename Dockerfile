# The IOC stream worker, simulator and tools (`ioc ...`).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ioc ioc
COPY streams streams
COPY benchmarks benchmarks
COPY dashboards dashboards
RUN pip install . && useradd --system --uid 10001 ioc && mkdir -p /var/lib/ioc && chown ioc /var/lib/ioc
USER ioc
ENV IOC_DATA_DIR=/var/lib/ioc IOC_WEB_HOST=0.0.0.0
EXPOSE 6066
ENTRYPOINT ["ioc"]
CMD ["worker"]

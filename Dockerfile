# Image for deployments (docker-compose.yml). `make run` does not need it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv && useradd --create-home --uid 1000 portal
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN DJANGO_SETTINGS_MODULE=dac_portal.settings.base SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && chown -R portal /app
USER portal
EXPOSE 8000
CMD ["gunicorn", "dac_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "gthread", "--threads", "4"]

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=salesone.settings.production
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends libpq5 gettext && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=collectstatic DEBUG=false python manage.py collectstatic --noinput \
    && SECRET_KEY=compilemessages DEBUG=false python manage.py compilemessages -l ko -i .venv

RUN useradd --create-home salesone && mkdir -p /app/media /app/var && chown -R salesone /app/media /app/var
USER salesone
# The port is a setting: with no --bind, gunicorn listens on 0.0.0.0:$PORT.
ENV PORT=8000
EXPOSE 8000
CMD ["gunicorn", "salesone.wsgi:application", "--worker-class", "gthread", "--workers", "3", "--threads", "8"]

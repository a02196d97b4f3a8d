#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-compose.yml mounts
# this folder at /docker-entrypoint-initdb.d): the two roles of docs/adr/0009 and the
# portal's database, owned by dac_owner. The superuser (POSTGRES_PASSWORD) is used here
# and by nobody else; migrations connect as dac_owner, the portal as dac_app, whose
# rights `manage.py migrate` grants.
set -eu
: "${DAC_OWNER_PASSWORD:?set DAC_OWNER_PASSWORD in .env.db}"
: "${DAC_APP_PASSWORD:?set DAC_APP_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$DAC_OWNER_PASSWORD" -v app_password="$DAC_APP_PASSWORD" <<'SQL'
CREATE ROLE dac_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE dac_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE portal OWNER dac_owner;
SQL

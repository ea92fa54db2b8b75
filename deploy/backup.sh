#!/usr/bin/env bash
# Back up Perchoir while it runs: the database with PostgreSQL's own pg_dump, then the media
# bucket with rclone (Debian's package). Both read the site's environment file:
#
#   set -a; . /etc/perchoir/perchoir.env; set +a
#   deploy/backup.sh /var/backups/perchoir/$(date +%F)
#
# The database first: every file it names is in the bucket by then (files are never rewritten
# in place; one uploaded meanwhile is merely extra).
set -euo pipefail
folder=${1:?usage: deploy/backup.sh FOLDER}
mkdir -p "$folder"

# One consistent snapshot, compressed, restorable table by table (pg_restore --list).
pg_dump --format=custom --no-owner --file="$folder/perchoir.dump" "$PERCHOIR_DATABASE_URL"

# rclone's S3 settings from the same variables as the site's (":s3:" needs no rclone.conf).
export RCLONE_S3_PROVIDER=Other RCLONE_S3_ENDPOINT="$PERCHOIR_S3_ENDPOINT_URL" \
  RCLONE_S3_ACCESS_KEY_ID="$PERCHOIR_S3_ACCESS_KEY_ID" \
  RCLONE_S3_SECRET_ACCESS_KEY="$PERCHOIR_S3_SECRET_ACCESS_KEY" \
  RCLONE_S3_REGION="$PERCHOIR_S3_REGION"
# rclone cannot use the AWS SDK's AWS_CA_BUNDLE (it fails to start): give it --ca-cert instead.
unset AWS_CA_BUNDLE
rclone sync --quiet ":s3:$PERCHOIR_S3_BUCKET" "$folder/media"
echo "Backed up to $folder: perchoir.dump and media/"

#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into the database and bucket of the environment
# (an empty database made with createdb, or the site's own with the web and worker stopped):
#
#   set -a; . /etc/perchoir/perchoir.env; set +a
#   deploy/restore.sh /var/backups/perchoir/2026-11-26
#
# Then `perchoir migrate` if the code is newer than the backup, and start the site.
set -euo pipefail
folder=${1:?usage: deploy/restore.sh FOLDER}
test -f "$folder/perchoir.dump"

pg_restore --clean --if-exists --no-owner --exit-on-error \
  --dbname="$PERCHOIR_DATABASE_URL" "$folder/perchoir.dump"

export RCLONE_S3_PROVIDER=Other RCLONE_S3_ENDPOINT="$PERCHOIR_S3_ENDPOINT_URL" \
  RCLONE_S3_ACCESS_KEY_ID="$PERCHOIR_S3_ACCESS_KEY_ID" \
  RCLONE_S3_SECRET_ACCESS_KEY="$PERCHOIR_S3_SECRET_ACCESS_KEY" \
  RCLONE_S3_REGION="$PERCHOIR_S3_REGION"
# rclone cannot use the AWS SDK's AWS_CA_BUNDLE (it fails to start): give it --ca-cert instead.
unset AWS_CA_BUNDLE
rclone copy --quiet "$folder/media" ":s3:$PERCHOIR_S3_BUCKET"
echo "Restored $folder"

"""The operator's commands of deploy/README.md that `make cluster` does not run itself: backup
and restore, against the cluster's real PostgreSQL and bucket."""

import os
import subprocess
import uuid

import psycopg

from .conftest import CLUSTER_DIR, ROOT, cluster_env
from .test_journey import bucket_client


def bucket_keys(client, bucket: str) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def count_rows(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("accounts_user", "conversations_message", "media_image")
        }


def test_backup_then_restore_into_an_empty_database_and_bucket_brings_everything_back(
    camille, conversation, tmp_path
):
    env = cluster_env()
    site = os.environ | env
    backup = tmp_path / "backup"
    subprocess.run([ROOT / "deploy" / "backup.sh", backup], env=site, check=True, timeout=300)
    assert (backup / "perchoir.dump").stat().st_size > 0

    # Restored elsewhere: a new database (createdb) and a new bucket on the same servers.
    name = f"perchoir_restored_{uuid.uuid4().hex[:8]}"
    primary = env["PERCHOIR_DATABASE_URL"]
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, "createdb", "-p", "5433", "-O", "perchoir", name], check=True)
    # The site's key may use its own bucket only: the operator's makes the new one.
    operator = {
        "PERCHOIR_S3_ACCESS_KEY_ID": "operator",
        "PERCHOIR_S3_SECRET_ACCESS_KEY": (CLUSTER_DIR / "secrets" / "s3-operator").read_text(),
    }
    client, bucket = bucket_client(**operator)
    restored_bucket = name.replace("_", "-")
    client.create_bucket(Bucket=restored_bucket)
    restored = (
        site
        | operator
        | {
            "PERCHOIR_DATABASE_URL": primary.rsplit("/", 1)[0] + "/" + name,
            "PERCHOIR_S3_BUCKET": restored_bucket,
        }
    )
    try:
        subprocess.run(
            [ROOT / "deploy" / "restore.sh", backup], env=restored, check=True, timeout=300
        )
        original_rows = count_rows(primary)
        assert count_rows(restored["PERCHOIR_DATABASE_URL"]) == original_rows
        assert original_rows["conversations_message"] > 0
        assert bucket_keys(client, restored_bucket) == bucket_keys(client, bucket)
    finally:
        subprocess.run([*as_postgres, "dropdb", "-p", "5433", "--force", name], check=True)


def test_the_production_nginx_file_with_its_tls_parts_is_valid(tmp_path):
    """`make cluster` runs deploy/nginx/perchoir.conf without TLS; here the whole file, with a
    self-signed certificate in place of certbot's, passes `nginx -t` as it is."""
    key, certificate = tmp_path / "privkey.pem", tmp_path / "fullchain.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=perchoir.example", "-keyout", key, "-out", certificate],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (ROOT / "deploy" / "nginx" / "perchoir.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/perchoir.example/privkey.pem", str(key))
    site = site.replace("/etc/letsencrypt/live/perchoir.example/fullchain.pem", str(certificate))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "perchoir.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/perchoir.conf;\n}}\n"
    )
    checked = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr

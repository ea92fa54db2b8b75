"""The media storage in an S3-compatible bucket (docs/decisions/0013).

The objects stay private in the bucket; their addresses are stable, never signed: `MEDIA_URL` +
name, where MEDIA_URL is either the public base the operator put in front of the bucket
(`PERCHOIR_S3_PUBLIC_URL`: a CDN, or nginx) or this site's `/media/`, which the app serves from
the bucket (`perchoir.media.views.media_file`). Signed addresses would expire inside rendered
pages, feeds, emails and live events, which are all kept longer than a signature lives.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class MediaStorage(S3Storage):
    def url(
        self,
        name: str,
        parameters: dict[str, str] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name))

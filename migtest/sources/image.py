"""`image:` and `build:` versions: the image a version's containers run, checked or built once per run."""

from __future__ import annotations

from pathlib import Path

from migtest.config import Version
from migtest.docker import DockerEngine
from migtest.run.naming import IMAGE_REPOSITORY, safe_name


def prepare(version: Version, index: int, root: Path, docker: DockerEngine) -> str:
    """The image's name. A missing image or a failing build is exit 2, naming the version's key;
    a built image is tagged with the run id and removed with the run."""
    if version.image:
        docker.require_image(version.image, f"versions[{index}].image")
        return version.image
    assert version.build is not None
    build = version.build
    tag = f"migtest-build/{safe_name(version.name, IMAGE_REPOSITORY)}:{docker.run_id}"
    return docker.build(root / build.context, build.dockerfile, dict(build.args), tag, f"versions[{index}].build")

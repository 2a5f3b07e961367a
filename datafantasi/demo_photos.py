"""Real photographs for the demo, gathered from packages rather than committed to the repo.

Two public sources: the photographs bundled with scikit-image (a dependency of the demo), and the
nature photographs of Debian's ``mate-backgrounds`` package, fetched with ``apt-get download``
and unpacked into the data folder (no system-wide install, no root needed).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# scikit-image's bundled files that are photographs (not drawings, masks or synthetic images).
SKIMAGE_PHOTOS = (
    "astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "coins.png",
    "grass.png", "gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png",
    "motorcycle_left.png", "motorcycle_right.png", "page.png", "retina.jpg", "rocket.jpg",
    "cell.png", "clock_motion.png", "microaneurysms.png",
)
DEBIAN_PACKAGE = "mate-backgrounds"
DEBIAN_PHOTO_FOLDERS = ("usr/share/backgrounds/mate/nature",)
DEBIAN_PHOTO_FILES = ("usr/share/backgrounds/mate/abstract/Elephants.jpg",)


def skimage_photos(into: Path) -> list[Path]:
    try:
        import skimage.data
    except ImportError:
        log.warning("scikit-image is not installed; its photographs are left out of the demo")
        return []
    source = Path(skimage.data.__file__).parent
    target = into / "scikit-image"
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in SKIMAGE_PHOTOS:
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)
            copied.append(target / name)
    return copied


def debian_photos(into: Path) -> list[Path]:
    target = into / DEBIAN_PACKAGE
    if not target.exists():
        if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
            log.warning("apt-get/dpkg-deb not found; %s photos are left out", DEBIAN_PACKAGE)
            return []
        with tempfile.TemporaryDirectory() as tmp:
            fetched = subprocess.run(
                ["apt-get", "download", "-q", DEBIAN_PACKAGE],
                cwd=tmp, capture_output=True, text=True, check=False,
            )
            debs = list(Path(tmp).glob(f"{DEBIAN_PACKAGE}_*.deb"))
            if fetched.returncode != 0 or not debs:
                log.warning(
                    "apt-get download %s failed (%s); its photos are left out",
                    DEBIAN_PACKAGE, fetched.stderr.strip()[-300:],
                )
                return []
            unpacked = Path(tmp) / "unpacked"
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(unpacked)], check=True)
            target.mkdir(parents=True, exist_ok=True)
            for folder in DEBIAN_PHOTO_FOLDERS:
                for path in sorted((unpacked / folder).glob("*.jpg")):
                    shutil.copy2(path, target / path.name)
            for file in DEBIAN_PHOTO_FILES:
                if (unpacked / file).is_file():
                    shutil.copy2(unpacked / file, target / Path(file).name)
    return sorted(target.glob("*.jpg"))


def gather_demo_photos(into: Path) -> list[Path]:
    """Collect the demo photographs under ``into`` and return their paths."""
    return skimage_photos(into) + debian_photos(into)

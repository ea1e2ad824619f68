"""The installed wheel: ffstream runs on the FFmpeg it carries, and shares a
process with PyAV and OpenCV (each with its own FFmpeg) in either import
order, every library decoding the same file correctly.

These tests need ffstream installed from the wheel (ci/build_wheel.sh; run
by ci/test_wheel.sh) and skip in the development build, which links the
system's FFmpeg.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ffstream
import pytest

_BUNDLED = Path(ffstream.__file__).resolve().parent.parent / "ffstream.libs"
pytestmark = pytest.mark.skipif(
    not _BUNDLED.is_dir(), reason="ffstream is not installed from the wheel (ci/test_wheel.sh tests that)"
)


def _mapped_ffmpeg_files() -> list:
    files = set()
    for line in Path("/proc/self/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and Path(parts[5]).name.startswith(("libav", "libsw", "libpostproc")):
            files.add(parts[5])
    return sorted(files)


def test_ffstream_loads_only_the_ffmpeg_in_its_wheel():
    from ffstream import _ffstream as ext

    libraries = ext.libraries()
    assert set(libraries) == {
        "libavutil", "libavcodec", "libavformat", "libavfilter", "libavdevice", "libswscale", "libswresample",
    }
    for name, info in libraries.items():
        path = Path(info.path).resolve()
        assert path.parent == _BUNDLED.resolve(), (name, info.path)
        # auditwheel's hashed name: libavcodec-<hash>.so.59
        assert path.name.startswith(name + "-"), path.name
        assert "LGPL" in info.license, (name, info.license)
        assert info.version[0] == info.compiled_version[0]
    mapped = _mapped_ffmpeg_files()
    assert mapped, "no FFmpeg library is mapped into this process"
    assert all(Path(f).resolve().parent == _BUNDLED.resolve() for f in mapped), mapped


def test_build_config_names_an_lgpl_build_with_the_chosen_libraries():
    config = ffstream.utils.get_build_config()
    for flag in ("--enable-gpl", "--enable-version3", "--enable-nonfree"):
        assert flag not in config
    for flag in ("--disable-autodetect", "--enable-libdav1d", "--enable-cuvid", "--enable-nvdec"):
        assert flag in config
    assert "-ffstream" in ffstream.utils.doctor()["ffmpeg"]["version"]


def test_wheel_carries_the_licence_texts():
    licenses = Path(ffstream.__file__).parent / "licenses"
    names = {p.name for p in licenses.iterdir()}
    assert {"FFmpeg-COPYING.LGPLv2.1", "FFmpeg-BUILD.txt"} <= names
    # The libraries the wheel carries beside FFmpeg: dav1d, GnuTLS and its own.
    for package in ("libdav1d", "libgnutls", "libnettle", "libgmp"):
        assert any(n.startswith(package) and n.endswith("-copyright") for n in names), package
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (licenses / "FFmpeg-COPYING.LGPLv2.1").read_text()
    assert "--disable-autodetect" in (licenses / "FFmpeg-BUILD.txt").read_text()


def test_doctor_gives_an_ok_verdict_for_the_wheel():
    report = ffstream.utils.doctor()
    assert report["verdict"] == "ok", report["problems"]
    assert report["ffmpeg"]["bundled"] is True
    assert "cuda" in report["hardware"]["device_types"]
    assert "h264_cuvid" in report["hardware"]["decoders"]
    out = subprocess.run(
        [sys.executable, "-m", "ffstream", "doctor", "--json"], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out)["verdict"] == "ok"


# Run in a fresh interpreter so that the import order is the one under test.
# Prints, as JSON: whether each library decoded the file as ffstream did, and
# the FFmpeg files each package has mapped.
_COEXIST = r"""
import importlib, json, sys
from pathlib import Path
path, order = sys.argv[1], sys.argv[2].split(",")
mods = {name: importlib.import_module(name) for name in order}
import numpy as np
import ffstream

r = ffstream.StreamReader(path)
r.add_basic_video_stream(-1, format="yuv420p", yuv_layout="i420")
r.add_basic_video_stream(-1, format="bgr24")
r.process_all_packets()
i420, bgr = (c.numpy() for c in r.pop_chunks())

av = mods["av"]
with av.open(path) as container:
    planes = np.stack([f.to_ndarray() for f in container.decode(video=0)])

cv2 = mods["cv2"]
cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
frames = []
while True:
    ok, frame = cap.read()
    if not ok:
        break
    frames.append(frame)
cv_bgr = np.stack(frames)
ours = bgr.transpose(0, 2, 3, 1)

def owners():
    out = {}
    for line in Path("/proc/self/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and Path(parts[5]).name.startswith(("libavcodec", "libavformat", "libavutil")):
            out.setdefault(str(Path(parts[5]).resolve().parent), set()).add(Path(parts[5]).name)
    return {k: sorted(v) for k, v in out.items()}

print(json.dumps({
    "frames": [int(i420.shape[0]), int(planes.shape[0]), int(cv_bgr.shape[0])],
    "pyav_equal": bool(planes.shape == i420.shape and (planes == i420).all()),
    "opencv_mean_diff": (
        float(np.abs(cv_bgr.astype(float) - ours).mean()) if cv_bgr.shape == ours.shape else -1.0
    ),
    "ffstream_paths": sorted(str(Path(i.path).resolve()) for i in ffstream._ffstream.libraries().values()),
    "folders": owners(),
    "av_ffmpeg": av.library_versions["libavcodec"],
}))
"""


@pytest.mark.parametrize("order", ["av,cv2", "cv2,av"])
@pytest.mark.parametrize("ffstream_first", [True, False], ids=["ffstream-first", "ffstream-last"])
def test_pyav_and_opencv_in_the_same_process(make_media, order, ffstream_first):
    pytest.importorskip("av", reason="ci/test_wheel.sh installs PyAV")
    pytest.importorskip("cv2", reason="ci/test_wheel.sh installs opencv-python-headless")
    path = make_media("h264.mp4")
    code = ("import ffstream\n" if ffstream_first else "") + _COEXIST
    result = subprocess.run(
        [sys.executable, "-c", code, str(path), order], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    n = facts["frames"][0]
    assert n > 0 and facts["frames"] == [n, n, n]
    # PyAV's FFmpeg decodes H.264 to the very same planes.
    assert facts["pyav_equal"]
    # OpenCV converts to BGR with its own swscale flags: same picture, the
    # odd rounding step apart.
    assert 0 <= facts["opencv_mean_diff"] < 2.0, facts
    # Three packages, three FFmpegs, each from its own folder.
    ours = {str(Path(p).parent) for p in facts["ffstream_paths"]}
    assert ours == {str(_BUNDLED.resolve())}
    folders = facts["folders"]
    assert len(folders) >= 3, folders
    assert all(name.split("-")[0] != name for name in folders[str(_BUNDLED.resolve())])
    assert not any(folder.startswith(("/usr/lib", "/lib")) for folder in folders), folders


def test_doctor_explains_a_damaged_install_without_a_traceback(tmp_path):
    # A copy of the installed package whose carried libavcodec is gone; the
    # system's is masked (ci/test_wheel.sh), so the loader finds none.
    import shutil

    site = tmp_path / "site"
    shutil.copytree(Path(ffstream.__file__).parent, site / "ffstream")
    shutil.copytree(_BUNDLED, site / "ffstream.libs")
    (victim,) = (site / "ffstream.libs").glob("libavcodec-*")
    victim.unlink()
    result = subprocess.run(
        [sys.executable, "-m", "ffstream", "doctor"],
        capture_output=True, text=True, timeout=60, cwd=site,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "Verdict: BROKEN" in result.stdout
    assert victim.name in result.stdout and "reinstall the wheel" in result.stdout
    # A plain import says the same, as an ImportError.
    result = subprocess.run(
        [sys.executable, "-c", "import ffstream"], capture_output=True, text=True, cwd=site
    )
    assert result.returncode == 1
    assert "ImportError" in result.stderr and "reinstall the wheel" in result.stderr

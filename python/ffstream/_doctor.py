"""``python -m ffstream doctor``: what this install of ffstream runs on, and
whether it works.

The report says where each FFmpeg library was loaded from, its version,
licence and configure line, which hardware decoding this FFmpeg can do,
whether CUDA is usable, and torch's version, then gives a verdict. It also
explains an extension that fails to load, because that is when a user needs
it most; this module therefore imports the compiled module only inside
functions.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from ._load_failure import BUNDLED_DIR as _BUNDLED_DIR

_PACKAGE_DIR = Path(__file__).resolve().parent
_FFMPEG_LIB = re.compile(r"lib(avutil|avcodec|avformat|avfilter|avdevice|swscale|swresample|postproc)\b")


def _dotted(version) -> str:
    return ".".join(str(v) for v in version)


def _is_bundled(path: str) -> bool:
    return bool(path) and Path(path).resolve().parent == _BUNDLED_DIR.resolve()


def _loaded_ffmpeg_files() -> List[str]:
    """Every FFmpeg library file mapped into this process (Linux only)."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    files = set()
    for line in maps.splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and _FFMPEG_LIB.match(os.path.basename(parts[5])):
            files.add(parts[5])
    return sorted(files)


def _torch_facts() -> Dict[str, Any]:
    try:
        import torch
    except Exception as e:  # a broken torch is a finding, not a crash
        return {"version": None, "error": f"{type(e).__name__}: {e}", "cuda_available": False}
    try:
        cuda = bool(torch.cuda.is_available())
        count = torch.cuda.device_count() if cuda else 0
    except Exception:  # torch without a working CUDA runtime
        cuda, count = False, 0
    return {"version": torch.__version__, "error": None, "cuda_available": cuda, "cuda_devices": count}


def _self_test() -> Optional[str]:
    """Decodes a few frames and samples of FFmpeg's test sources; returns what
    went wrong, or None."""
    from ._stream_reader import StreamReader

    try:
        with StreamReader("testsrc2=size=64x48:rate=10:duration=0.3", format="lavfi") as r:
            r.add_basic_video_stream(frames_per_chunk=-1, format="rgb24")
            r.process_all_packets()
            (video,) = r.pop_chunks()
        with StreamReader("sine=frequency=440:sample_rate=8000:duration=0.1", format="lavfi") as r:
            r.add_basic_audio_stream(frames_per_chunk=-1)
            r.process_all_packets()
            (audio,) = r.pop_chunks()
    except Exception as e:
        return f"decoding FFmpeg's test sources failed: {type(e).__name__}: {e}"
    if video is None or tuple(video.shape) != (3, 3, 48, 64):
        return f"decoding a 3-frame test pattern gave {None if video is None else tuple(video.shape)}"
    if audio is None or audio.shape[0] != 800:
        return f"decoding 800 test samples gave {None if audio is None else tuple(audio.shape)}"
    return None


def doctor() -> Dict[str, Any]:
    """Facts about this install of ffstream and a verdict, as a dict.

    Keys: ``ffstream`` (version, package folder, extension file),
    ``ffmpeg`` (version string, configure line, whether the libraries are the
    ones the wheel carries, and per library: path, version, the version
    ffstream was compiled against, licence), ``other_ffmpeg_in_process``
    (FFmpeg files loaded by other packages, such as PyAV or OpenCV),
    ``hardware`` (device types, hardware decoders, whether FFmpeg can open a
    CUDA device and why not), ``torch``, ``problems`` (a list of sentences)
    ``warnings`` (sentences that do not make the install broken, such as an
    FFmpeg outside the releases ffstream is tested against, ``ffmpeg.supported``)
    and ``verdict`` (``"ok"`` or ``"broken"``).
    """
    from ._extension import ext

    problems: List[str] = []
    warnings: List[str] = []
    supported = ext.supported_ffmpeg()
    supported_range = f"{supported.oldest} to {supported.newest}"
    if not supported.loaded_is_supported:
        warnings.append(
            f"FFmpeg {ext.ffmpeg_version()} is outside the releases this ffstream is tested "
            f"against ({supported_range}): decoding may work, or give other results"
        )
    libraries = {}
    for name, info in sorted(ext.libraries().items()):
        libraries[name] = {
            "path": os.path.realpath(info.path) if info.path else "",
            "version": _dotted(info.version),
            "compiled_version": _dotted(info.compiled_version),
            "license": info.license,
            "configuration": info.configuration,
        }
        if info.version[0] != info.compiled_version[0]:
            problems.append(
                f"{name} {_dotted(info.version)} was loaded, but ffstream was built against "
                f"{_dotted(info.compiled_version)}: a different major version is a different ABI"
            )
    paths = [lib["path"] for lib in libraries.values()]
    bundled = all(_is_bundled(p) for p in paths)
    if _BUNDLED_DIR.is_dir() and not bundled:
        outside = [p for p in paths if not _is_bundled(p)]
        problems.append(
            f"the wheel carries FFmpeg in {_BUNDLED_DIR}, but these were loaded from elsewhere: "
            + ", ".join(outside)
        )
    folders = {os.path.dirname(os.path.realpath(p)) for p in paths if p}
    if len(folders) > 1:
        problems.append("FFmpeg's libraries come from several folders: " + ", ".join(sorted(folders)))
    configurations = {lib["configuration"] for lib in libraries.values()}
    if len(configurations) > 1:
        problems.append("FFmpeg's libraries were configured differently: they come from different builds")

    device_types = ext.hardware_device_types()
    cuda_error = ext.probe_hardware_device("cuda") if "cuda" in device_types else "not in this FFmpeg build"
    torch_facts = _torch_facts()
    if torch_facts["version"] is None:
        problems.append(f"torch cannot be imported ({torch_facts['error']}); ffstream returns torch tensors")
    else:
        failure = _self_test()
        if failure:
            problems.append(failure)

    # Files in the folders of ffstream's own libraries are its own (libpostproc
    # comes with a GPL build); anything else is another package's copy.
    own_folders = {os.path.dirname(os.path.realpath(p)) for p in paths if p}
    return {
        "ffstream": {
            "version": ext.__version__,
            "package": str(_PACKAGE_DIR),
            "extension": ext.__file__,
        },
        "ffmpeg": {
            "version": ext.ffmpeg_version(),
            "supported": supported_range,
            "configuration": ext.build_config(),
            "bundled": bundled,
            "libraries": libraries,
        },
        "other_ffmpeg_in_process": [
            f for f in _loaded_ffmpeg_files() if os.path.dirname(os.path.realpath(f)) not in own_folders
        ],
        "hardware": {
            "device_types": device_types,
            "decoders": sorted(ext.hardware_decoders()),
            "cuda_usable": cuda_error == "",
            "cuda_error": cuda_error or None,
        },
        "torch": torch_facts,
        "python": sys.version.split()[0],
        "problems": problems,
        "warnings": warnings,
        "verdict": "broken" if problems else "ok",
    }


def format_report(report: Dict[str, Any]) -> str:
    """The doctor's dict as text for a terminal."""
    ff, hw, torch_facts = report["ffmpeg"], report["hardware"], report["torch"]
    lines = [
        f"ffstream {report['ffstream']['version']} ({report['ffstream']['package']})",
        f"  extension: {report['ffstream']['extension']}",
        f"FFmpeg {ff['version']}, " + ("carried by the wheel" if ff["bundled"] else "from the system")
        + f"; ffstream is tested on FFmpeg {ff['supported']}",
    ]
    for name, lib in ff["libraries"].items():
        lines.append(f"  {name:<14} {lib['version']:<10} {lib['license']:<28} {lib['path']}")
    lines.append(f"  configure: {ff['configuration']}")
    for path in report["other_ffmpeg_in_process"]:
        lines.append(f"  also loaded in this process (another package's FFmpeg): {path}")
    lines.append("Hardware: device types " + (", ".join(hw["device_types"]) or "none"))
    lines.append("  decoders: " + (", ".join(hw["decoders"]) or "none"))
    cuda_state = "usable" if hw["cuda_usable"] else f"not usable ({hw['cuda_error']})"
    lines.append("  CUDA through FFmpeg: " + cuda_state)
    if torch_facts["version"] is None:
        lines.append(f"torch: cannot be imported ({torch_facts['error']})")
    else:
        cuda = "no CUDA"
        if torch_facts["cuda_available"]:
            cuda = f"CUDA with {torch_facts['cuda_devices']} device(s)"
        lines.append(f"torch {torch_facts['version']}, {cuda}")
    lines.append(f"Python {report['python']}")
    lines.extend(f"Warning: {w}" for w in report["warnings"])
    if report["problems"]:
        lines.append("Verdict: BROKEN")
        lines.extend(f"  - {p}" for p in report["problems"])
    else:
        lines.append("Verdict: ok (FFmpeg loads, its test sources decode into tensors)")
    return "\n".join(lines)


def main(json_output: bool = False) -> int:
    """Prints the report; exit status 0 when the verdict is ok."""
    start = time.perf_counter()
    report = doctor()
    if json_output:
        import json

        print(json.dumps(report, indent=2))
    else:
        print(format_report(report))
        print(f"(checked in {time.perf_counter() - start:.2f} s)")
    return 0 if report["verdict"] == "ok" else 1

"""An MP4 read from its index (sample tables) and opened without decoding: the same figures as
decoding and demuxing on real clips, a fallback to demuxing where the index cannot serve, and the
H.264 pixel format and AAC profile read from the codec configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

import probes.media.inspection as media_inspect
from probes.media.codec_config import aac_profile
from probes.media.codec_config import h264_pixel_format as pixel_format
from probes.media.integrity_rules import damage
from probes.media.mp4_samples import read_sample_tables
from tests.factories import encode_video

IGNORED = {"inspect_s", "samples_from"}
STORYLINE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "authoring-tools" / "storyline"


def both_ways(data: bytes, monkeypatch) -> tuple[dict, dict]:
    """The facts from the index, then as FFmpeg finds them by decoding a frame and demuxing every packet."""
    indexed = media_inspect.inspect_media(data, 1.0, 30, buffer_s=4)
    with monkeypatch.context() as patched:
        patched.setattr(media_inspect, "read_sample_tables", lambda _data: None)
        patched.setattr(media_inspect, "INDEXED_OPEN", {})
        demuxed = media_inspect.inspect_media(data, 1.0, 30, buffer_s=4)
    return indexed, demuxed


def differences(a: dict, b: dict) -> dict:
    """Where two inspections differ (none: the same figures)."""
    found = {
        k: (a.get(k), b.get(k)) for k in set(a) | set(b) if k not in IGNORED | {"streams"} and a.get(k) != b.get(k)
    }
    for sa, sb in zip(a.get("streams", []), b.get("streams", []), strict=False):
        found.update(
            {f"stream {sa['index']} {k}": (sa.get(k), sb.get(k)) for k in set(sa) | set(sb) if sa.get(k) != sb.get(k)}
        )
    if len(a.get("streams", [])) != len(b.get("streams", [])):
        found["streams"] = (len(a.get("streams", [])), len(b.get("streams", [])))
    return found


CLIPS = {
    "h264-aac-b-frames.mp4": {"seconds": 3, "bitrate_kbps": 500, "gop": 12},
    "h264-no-audio.mp4": {"seconds": 2, "audio_kbps": None, "codec_options": {"bf": "0"}},
    "fast-start.mp4": {"seconds": 2, "container_options": {"movflags": "faststart"}},
    "bursty.mov": {"seconds": 4, "burst": (1.0, 2.0, 0.9)},
    "edited-gop.mp4": {"seconds": 3, "fps": 30, "gop": 45},
}


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_the_index_gives_the_same_figures_as_demuxing(tmp_path, monkeypatch, name):
    data = encode_video(tmp_path / name, **CLIPS[name]).read_bytes()
    indexed, demuxed = both_ways(data, monkeypatch)
    assert indexed["samples_from"] == "sample tables" and demuxed["samples_from"] == "demux"
    assert not differences(indexed, demuxed), differences(indexed, demuxed)


def test_a_truncated_clip_is_truncated_either_way(tmp_path, monkeypatch):
    data = encode_video(tmp_path / "a.mp4", seconds=3, container_options={"movflags": "faststart"}).read_bytes()
    indexed, demuxed = both_ways(data[: len(data) // 2], monkeypatch)
    assert indexed["samples_from"] == "sample tables"
    assert damage(indexed) and damage(demuxed) and "truncated" in damage(indexed)
    assert not differences(indexed, demuxed), differences(indexed, demuxed)


def test_a_fragmented_mp4_is_demuxed(tmp_path, monkeypatch):
    data = encode_video(
        tmp_path / "f.mp4", seconds=2, container_options={"movflags": "frag_keyframe+empty_moov"}
    ).read_bytes()
    assert read_sample_tables(data) is None
    facts = media_inspect.inspect_media(data, 1.0, 30, buffer_s=4)
    assert facts["samples_from"] == "demux" and facts["streams"][0]["packets"] == 50


def test_damaged_tables_fall_back_to_demuxing(tmp_path):
    data = bytearray(
        encode_video(tmp_path / "d.mp4", seconds=2, container_options={"movflags": "faststart"}).read_bytes()
    )
    at = data.find(b"stsz") + 4 + 8  # version and flags, uniform size, then the sample count
    data[at : at + 4] = (10_000_000).to_bytes(4, "big")  # more sizes than the table holds
    assert read_sample_tables(bytes(data)) is None
    facts = media_inspect.inspect_media(bytes(data), 1.0, 30, buffer_s=4)
    assert facts["samples_from"] == "demux"


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv422p", "yuv444p"])
def test_the_h264_pixel_format_is_read_from_the_sps_as_decoding_finds_it(tmp_path, pix_fmt):
    import av

    path = encode_video(tmp_path / "p.mp4", seconds=1, audio_kbps=None, pix_fmt=pix_fmt)
    with av.open(str(path)) as container:  # FFmpeg decodes a frame to learn it
        stream = container.streams.video[0]
        decoded, avcc = stream.codec_context.pix_fmt, stream.codec_context.extradata
    assert decoded == pix_fmt and pixel_format(avcc) == pix_fmt
    assert media_inspect.inspect_media(path.read_bytes(), 1.0, 30)["streams"][0]["pixel_format"] == pix_fmt


def test_the_aac_profile_is_read_from_its_config_as_decoding_finds_it(tmp_path):
    import av

    path = encode_video(tmp_path / "a.mp4", seconds=1, audio_kbps=96)
    with av.open(str(path)) as container:
        audio = container.streams.audio[0].codec_context
        decoded, config = audio.profile, audio.extradata
    assert decoded == "LC" and aac_profile(config) == "LC"
    # HE-AAC (object type 5), HE-AACv2 (29) and an escaped type (31, then 6 bits: 32 + 7 = 39, ELD).
    assert aac_profile(bytes([0b00101_000, 0])) == "HE-AAC" and aac_profile(bytes([0b11101_000, 0])) == "HE-AACv2"
    assert aac_profile(bytes([0b11111_000, 0b111_00000])) == "ELD" and aac_profile(b"\x00") is None


def test_a_malformed_sps_gives_no_pixel_format():
    assert pixel_format(b"") is None and pixel_format(b"\x01\x64\x00\x1f\xff\xe1\x00\x04\x67\x64\x00") is None
    assert pixel_format(b"\x01\x64\x00\x1f\xff\xe1\x00\x05\x67\x64\x00\x1f\x00") is None  # all-zero bits


@pytest.mark.skipif(not STORYLINE.is_dir(), reason="../shared/fixtures is not beside the repository")
def test_real_published_clips_give_the_same_figures_either_way(monkeypatch):
    clips = sorted(STORYLINE.rglob("*.mp4"))
    assert clips
    for clip in clips:
        indexed, demuxed = both_ways(clip.read_bytes(), monkeypatch)
        assert indexed["samples_from"] == "sample tables" and not differences(indexed, demuxed), clip.name


def test_a_hostile_sample_count_is_demuxed_within_the_budget_not_expanded(tmp_path):
    data = bytearray(
        encode_video(
            tmp_path / "h.mp4", seconds=1, audio_kbps=None, container_options={"movflags": "faststart"}
        ).read_bytes()
    )
    at = data.find(b"stsz") + 4
    data[at + 4 : at + 12] = (1).to_bytes(4, "big") + (1_999_999).to_bytes(4, "big")  # every sample 1 byte
    assert read_sample_tables(bytes(data)) is None  # more samples than the file's bytes can hold
    facts = media_inspect.inspect_media(bytes(data), 1.0, 30)
    assert facts["samples_from"] == "demux"

"""What a stream's codec configuration declares, read without decoding a frame: H.264's pixel
format from the sequence parameter set in avcC, and AAC's profile from its AudioSpecificConfig.

The media probe opens MP4 files without decoding (its samples come from the index), and FFmpeg
fills these two in only when it decodes. Browsers' hardware decoders play 8-bit 4:2:0 H.264;
10-bit and 4:2:2/4:4:4 plays in few of them, so the pixel format is evidence worth keeping.
Names follow FFmpeg's (yuv420p, yuv420p10le…; LC, HE-AAC…); the full-range variants FFmpeg names
yuvj… after decoding are not told apart.
"""

from __future__ import annotations

# Profiles whose SPS carries chroma format and bit depth (ITU-T H.264 7.3.2.1.1); the others are
# 8-bit 4:2:0 by definition.
HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}
CHROMA = {0: "gray", 1: "yuv420p", 2: "yuv422p", 3: "yuv444p"}


class _Bits:
    """Exp-Golomb reading of an RBSP (emulation-prevention bytes already removed)."""

    def __init__(self, data: bytes):
        self.data, self.position = data, 0

    def bit(self) -> int:
        byte, offset = divmod(self.position, 8)
        if byte >= len(self.data):
            raise ValueError("SPS cut short")
        self.position += 1
        return (self.data[byte] >> (7 - offset)) & 1

    def unsigned(self) -> int:
        zeros = 0
        while not self.bit():
            zeros += 1
            if zeros > 31:
                raise ValueError("malformed Exp-Golomb code")
        value = 1
        for _ in range(zeros):
            value = value << 1 | self.bit()
        return value - 1


def _rbsp(nal: bytes) -> bytes:
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def h264_pixel_format(avcc: bytes | None) -> str | None:
    """FFmpeg's name for the pixel format the first SPS of ``avcc`` declares; None when unknown."""
    if not avcc or len(avcc) < 8 or avcc[0] != 1 or not avcc[5] & 0x1F:
        return None
    length = int.from_bytes(avcc[6:8], "big")
    sps = avcc[8 : 8 + length]
    if len(sps) < 4 or sps[0] & 0x1F != 7:
        return None
    profile = sps[1]
    if profile not in HIGH_PROFILES:
        return "yuv420p"
    try:
        bits = _Bits(_rbsp(sps[4:]))
        bits.unsigned()  # seq_parameter_set_id
        chroma = bits.unsigned()
        if chroma == 3:
            bits.bit()  # separate_colour_plane_flag
        depth = bits.unsigned() + 8
    except ValueError:
        return None
    if chroma not in CHROMA or not 8 <= depth <= 14:
        return None
    return CHROMA[chroma] if depth == 8 else f"{CHROMA[chroma]}{depth}le"


# MPEG-4 Audio object types (ISO/IEC 14496-3 1.5.1.1) as FFmpeg names AAC profiles.
AAC_PROFILES = {1: "Main", 2: "LC", 3: "SSR", 4: "LTP", 5: "HE-AAC", 23: "LD", 29: "HE-AACv2", 39: "ELD"}


def aac_profile(config: bytes | None) -> str | None:
    """FFmpeg's name for the profile an AudioSpecificConfig declares; None when unknown."""
    if not config or len(config) < 2:
        return None
    bits = _Bits(config)
    try:
        kind = sum(bits.bit() << (4 - n) for n in range(5))
        if kind == 31:  # escape: 32 + the next six bits
            kind = 32 + sum(bits.bit() << (5 - n) for n in range(6))
    except ValueError:
        return None
    return AAC_PROFILES.get(kind)

"""Which language a message is written in: Indonesian, English, or unknown.

Cheap and word-list based: enough to answer a citizen in their language. Text in another
script, another language, or gibberish gives None.
"""

from __future__ import annotations

import re

from nlu.normalize import SLANG, word_set

_ID_WORDS = (
    word_set(
        """
    yang di ke dari dan ini itu ada tidak sudah belum akan bisa dengan untuk pada karena tapi
    juga saja lagi sangat banget banyak sekali mohon tolong pak bu bapak ibu mas mbak bang min
    admin kak warga kami saya kita mereka dia sini situ sana mana kapan gimana kenapa apa siapa
    berapa jalan gang rumah kampung kali sungai got selokan banjir genangan air sampah macet
    rusak lubang parkir liar pohon tumbang roboh lampu mati kebakaran api asap maling copet
    jambret begal tawuran pengemis gelandangan pedagang trotoar halte depan dekat samping
    belakang sebelah sekitar arah terus masih sampai setiap hari malam pagi siang sore kemarin
    tadi sekarang baru lama tinggi warga lapor laporan tiket status cek batal halo hai selamat
    terima kasih makasih iya ya ok boleh jangan bukan betul benar salah mau ingin minta petugas
    bantu bantuan dong deh sih kok nih tuh lah kah pun agar supaya atau jadi kalau kayak seperti
    udah gak ga nggak enggak kagak bikin buang numpuk menumpuk bau mampet rusak berlubang pecah
    patah jatuh hujan deras meluap pasar kelurahan kecamatan kota rt rw lurah camat pemerintah
    dinas tolonglah mohon segera cepat selesai beres terima tolak alihkan balas
    """
    )
    | frozenset(SLANG)
    | frozenset(v for v in SLANG.values() if " " not in v)
)

_EN_WORDS = word_set(
    """
    the a an is are was were be been there here this that these those it its of to in on at by
    for from with and or but not no yes please thanks thank you hello hi hey good morning
    evening my our your their we they he she i me us them street road near next front behind
    flood flooded flooding water garbage trash rubbish waste pile smell smells traffic jam stuck
    broken damaged pothole potholes parking parked illegal vendors vendor beggar beggars
    homeless tree fallen fell down light lights off fire smoke burning thief stolen robbery
    crime fight earthquake landslide report reporting status check cancel help need officer
    agent human what where when how why who can could would should will has have had do does did
    very really too again still since today yesterday now already deep knee waist high since
    hours days week around area city district sidewalk blocking blocked cars car motorbike
    motorbikes bridge broken please someone anyone
    """
)

# Whole words only: the letters inside a ticket code ("A52JQ4") are not the English "a".
_WORD = re.compile(r"\b[a-z]+\b")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def detect_language(text: str) -> str | None:
    """ "id", "en", or None for another language or script, or text without known words."""
    if not text or not text.strip():
        return None
    sample = text[:2000]
    letters = _LETTER.findall(sample)
    if not letters:
        return None
    ascii_letters = sum(1 for ch in letters if ch.isascii())
    if ascii_letters / len(letters) < 0.6:
        return None
    words = _WORD.findall(sample.lower())
    if not words:
        return None
    id_hits = sum(1 for w in words if w in _ID_WORDS)
    en_hits = sum(1 for w in words if w in _EN_WORDS and w not in _ID_WORDS)
    en_all = sum(1 for w in words if w in _EN_WORDS)
    known = max(id_hits, en_all)
    if known == 0 or known / len(words) < 0.2:
        return None
    if en_all > id_hits or (en_hits >= 2 and en_all >= id_hits):
        return "en"
    return "id"


# ordinary words of either language (for telling a street name from "jalan rusak")
COMMON_WORDS = _ID_WORDS | _EN_WORDS

"""Normalisation, rule entities, language, training-data loading and the gazetteer."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.entities import extract
from nlu.gazetteer import DEFAULT_GEOJSON, Gazetteer, records_from_geojson
from nlu.language import detect_language
from nlu.normalize import normalize
from nlu.training_data import DEFAULT_NLU_FILE, load, parse_example

TAXONOMY = [
    "kemacetan", "banjir", "sampah", "jalan_rusak", "parkir_liar", "pkl_liar", "pengemis",
    "pohon_tumbang", "fasilitas_umum", "kriminal", "kebakaran", "bencana", "pelanggaran", "lainnya",
]  # fmt: skip


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer(records_from_geojson(DEFAULT_GEOJSON))


def test_normalize_maps_slang_and_squeezes_repeated_letters() -> None:
    assert (
        normalize("Banjiiirrr di jln dkt rumah, gk bisa lewat!!!")
        == "banjir di jalan dekat rumah tidak bisa lewat"
    )
    assert normalize("yg bnyk sampah udh bgt") == "yang banyak sampah sudah banget"


def test_normalize_keeps_hashtag_words_and_reads_english_topics() -> None:
    assert "banjir" in normalize("#banjir lagi @BPBDJakarta").split()
    assert normalize("Flooded street") == "banjir jalan"


def test_normalize_splits_hashtags_and_drops_the_retweet_mark() -> None:
    assert normalize("#BanjirJakarta #infolalin") == "banjir jakarta info lalu lintas"
    assert normalize("RT @TMCPoldaMetro: macet di RT 05").split()[:3] == ["tmcpoldametro", "macet", "di"]
    assert normalize("ujan deres, rmh kerendem") == "hujan deras rumah terendam"


def entity_values(text: str) -> dict[str, str]:
    found = extract(text)
    for ent in found:
        assert text[ent.start : ent.end] == ent.value
    return {e.entity: e.value for e in found}


def test_entities_depth_rt_rw_street_with_exact_offsets() -> None:
    got = entity_values("bnjr sepaha di jl kemang raya deket kemang village rt 04/02, mobil gk bisa lewat")
    assert got == {"kedalaman": "sepaha", "jalan": "jl kemang raya", "rt": "04", "rw": "02"}


@pytest.mark.parametrize(
    ("text", "depth"),
    [("air udah 50 cm", "50 cm"), ("genangan setinggi lutut", "setinggi lutut"),
     ("banjir 30-40cm", "30-40cm"), ("water is knee-deep", "knee-deep"), ("selutut nih", "selutut")],
)  # fmt: skip
def test_depth_forms(text: str, depth: str) -> None:
    assert entity_values(text)["kedalaman"] == depth


def test_rt_rw_forms() -> None:
    assert entity_values("RT 3 RW 5 banjir") == {"rt": "3", "rw": "5"}
    assert entity_values("rt.004/rw.011") == {"rt": "004", "rw": "011"}
    assert entity_values("RT/RW 05/03")["rw"] == "03"


def test_street_is_not_an_ordinary_word_after_jalan() -> None:
    assert "jalan" not in entity_values("lampu jalan mati di depan rumah")
    assert entity_values("jalan berlubang di jalan Margonda Raya no 5")["jalan"] == "jalan Margonda Raya"


def test_ticket_needs_a_cue_or_a_code_shape() -> None:
    assert entity_values("cek tiket 7HK2MQ dong")["tiket"] == "7HK2MQ"
    assert entity_values("status laporan #a7k9pq")["tiket"] == "a7k9pq"
    assert "tiket" not in entity_values("SAMPAH numpuk")  # letters of the alphabet, but a word


def test_language() -> None:
    assert detect_language("banjir di depan rumah saya") == "id"
    assert detect_language("the street is flooded near my house") == "en"
    assert detect_language("你好，我想报告") is None
    assert detect_language("asdkjh qwpeoi zmxn") is None
    assert detect_language("") is None


def test_a_ticket_code_is_not_read_as_words() -> None:
    # "A52JQ4" once read as the English article "a" (+ "jq"): an official's Indonesian command got an
    # English reply, depending on the random code.
    assert detect_language("selesai A52JQ4 beres") != "en"
    assert detect_language("cek I7HK2Q dong") == "id"
    assert detect_language("check A7K9PQ please") == "en"


def test_training_data_loader_strips_annotations() -> None:
    ex = parse_example("bnjr [sepaha](kedalaman) di [jl kemang raya](jalan) rt [04](rt)", "lapor_banjir")
    assert ex.text == "bnjr sepaha di jl kemang raya rt 04"
    assert [(s.entity, ex.text[s.start : s.end]) for s in ex.entities] == [
        ("kedalaman", "sepaha"), ("jalan", "jl kemang raya"), ("rt", "04"),
    ]  # fmt: skip
    ex = parse_example('di [priok]{"entity": "lokasi", "value": "Tanjung Priok"}')
    assert ex.text == "di priok" and ex.entities[0].value == "Tanjung Priok"


def test_shipped_training_data_covers_every_intent() -> None:
    data = load(DEFAULT_NLU_FILE)
    counts: dict[str, int] = {}
    for ex in data.examples:
        counts[ex.intent] = counts.get(ex.intent, 0) + 1
        assert "[" not in ex.text and "](" not in ex.text
        for span in ex.entities:
            assert span.entity in {"lokasi", "jalan", "rt", "rw", "kedalaman", "tiket"}
    for code in TAXONOMY:
        assert counts[f"lapor_{code}"] >= 40
    for intent in (
        "sapa",
        "terima_kasih",
        "cek_status",
        "batal",
        "minta_petugas",
        "bantuan",
        "setuju",
        "tolak",
    ):
        assert counts[intent] >= 15
    assert data.synonyms and "lokasi" in data.lookups


def test_monas_area_names(gaz: Gazetteer) -> None:
    place = gaz.resolve("pohon tumbang dkt monas")
    assert place is not None and (place.name, place.level) == ("Gambir", "kelurahan")
    assert gaz.resolve("macet di bundaran HI").name == "Menteng"  # type: ignore[union-attr]


def test_name_of_kecamatan_and_kelurahan_needs_kel_for_the_kelurahan(gaz: Gazetteer) -> None:
    plain = gaz.resolve("banjir di gambir")
    kel = gaz.resolve("banjir di kel. gambir")
    kec = gaz.resolve("banjir di kecamatan menteng")
    assert plain is not None and plain.level == "kecamatan" and plain.alternatives
    assert kel is not None and kel.level == "kelurahan" and kel.matched_text == "kel. gambir"
    assert kel.alternatives == [plain.area_id]
    assert kec is not None and (kec.name, kec.level) == ("Menteng", "kecamatan")


def test_fuzzy_typos_and_spacing(gaz: Gazetteer) -> None:
    assert gaz.resolve("macet parah di kebayoran bru").name == "Kebayoran Baru"  # type: ignore[union-attr]
    assert gaz.resolve("sampah di Cempaka Puti").name == "Cempaka Putih"  # type: ignore[union-attr]
    assert gaz.resolve("banjir di kalideres").kecamatan == "Kali Deres"  # type: ignore[union-attr]


def test_common_words_and_other_cities_are_not_places(gaz: Gazetteer) -> None:
    for text in (
        "ke pasar baru aja",
        "jalan kota macet",
        "sampah di makassar",
        "halo min",
        "di jalan kampung",
    ):
        place = gaz.resolve(text)
        assert place is None or place.name == "Pasar Baru", text


def test_kelurahan_inside_named_kecamatan_wins(gaz: Gazetteer) -> None:
    place = gaz.resolve("kelurahan menteng dalam kec tebet")
    assert place is not None and (place.name, place.kecamatan) == ("Menteng Dalam", "Tebet")


@pytest.mark.parametrize(
    ("text", "name"),
    [("banjir di Kel. Kp. Melayu RT 05/RW 03", "Kampung Melayu"), ("Pd. Labu tergenang", "Pondok Labu"),
     ("sampah di Kb. Kacang", "Kebon Kacang"), ("Kp Pulo kerendem", "Kampung Melayu"),
     ("klp gading barat banjir", "Kelapa Gading Barat")],
)  # fmt: skip
def test_short_forms_of_name_parts(gaz: Gazetteer, text: str, name: str) -> None:
    assert gaz.resolve(text).name == name  # type: ignore[union-attr]


def test_short_form_alone_and_slang_pd_are_not_places(gaz: Gazetteer) -> None:
    assert gaz.resolve("naik TJ aja") is None
    assert gaz.resolve("mobil pd mogok") is None


def test_kel_mention_beats_street_and_river_names(gaz: Gazetteer) -> None:
    river = gaz.resolve("Kali Sunter meluap ke Kel. Cipinang Muara")
    street = gaz.resolve("Banjir di Jl. Cipinang Jaya, Kelurahan Cipinang Besar Selatan")
    bare = gaz.resolve("kali sunter meluap, cipinang melayu kerendem")
    same_kec = gaz.resolve("Jln. Tanjung Duren Raya, Kel. Tanjung Duren Selatan")
    assert river is not None and river.name == "Cipinang Muara"
    assert street is not None and street.name == "Cipinang Besar Selatan"
    assert bare is not None and bare.name == "Cipinang Melayu"
    assert same_kec is not None and same_kec.name == "Tanjung Duren Selatan"
    assert gaz.resolve("jalan rusak di Jl. Raya Cakung Cilincing").name == "Cakung"  # type: ignore[union-attr]


def test_kel_before_a_name_that_is_also_a_kecamatan_alias(gaz: Gazetteer) -> None:
    kel = gaz.resolve("sampah menumpuk di kel. tanjung priok")
    assert kel is not None and (kel.name, kel.level) == ("Tanjung Priuk", "kelurahan")
    assert gaz.resolve("tanjung priok macet").level == "kecamatan"  # type: ignore[union-attr]


def test_lookup_ranks_candidates_for_a_geocoder(gaz: Gazetteer) -> None:
    assert [p.level for p in gaz.lookup("kel. gambir")][:2] == ["kelurahan", "kecamatan"]
    assert gaz.lookup("kemang")[0].name == "Bangka"
    names = [p.name for p in gaz.lookup("cempaka putih")]
    assert names[0] == "Cempaka Putih" and "Cempaka Putih Timur" in names


def test_records_from_geojson_skip_water_areas(tmp_path: Path) -> None:
    records = records_from_geojson(DEFAULT_GEOJSON)
    levels = [r.level for r in records]
    assert levels.count("kota") == 6 and levels.count("kelurahan") == 267
    assert len({r.area_id for r in records}) == len(records)

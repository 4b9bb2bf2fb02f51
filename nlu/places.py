"""Place names beyond the official ones: landmarks, short forms and old spellings of Jakarta.

Each alias points at official names: "kelurahan:Name@Kecamatan", "kecamatan:Name" or
"kota:Name". Aliases whose target is not in the loaded region are ignored, so the table is
harmless for other regions. Only names whose area is known with confidence are listed.
"""

from __future__ import annotations

from nlu.normalize import word_set

ALIASES: dict[str, list[str]] = {
    # landmarks
    "monas": ["kelurahan:Gambir@Gambir"],
    "monumen nasional": ["kelurahan:Gambir@Gambir"],
    "medan merdeka": ["kelurahan:Gambir@Gambir"],
    "istana merdeka": ["kelurahan:Gambir@Gambir"],
    "stasiun gambir": ["kelurahan:Gambir@Gambir"],
    "bundaran hi": ["kelurahan:Menteng@Menteng"],
    "bunderan hi": ["kelurahan:Menteng@Menteng"],
    "blok m": ["kelurahan:Melawai@Kebayoran Baru"],
    "blokm": ["kelurahan:Melawai@Kebayoran Baru"],
    "tmii": ["kelurahan:Ceger@Cipayung"],
    "taman mini": ["kelurahan:Ceger@Cipayung"],
    "kemang": ["kelurahan:Bangka@Mampang Prapatan"],
    "kota tua": ["kelurahan:Pinangsia@Taman Sari"],
    "museum fatahillah": ["kelurahan:Pinangsia@Taman Sari"],
    "gbk": ["kelurahan:Gelora@Tanah Abang"],
    "gelora bung karno": ["kelurahan:Gelora@Tanah Abang"],
    "pondok indah": ["kelurahan:Pondok Pinang@Kebayoran Lama"],
    "pasar senen": ["kelurahan:Senen@Senen"],
    "stasiun senen": ["kelurahan:Senen@Senen"],
    "pasar tanah abang": ["kelurahan:Kampung Bali@Tanah Abang"],
    "kampung pulo": ["kelurahan:Kampung Melayu@Jatinegara"],
    "kampung apung": ["kelurahan:Kapuk@Cengkareng"],
    "teluk gong": ["kelurahan:Pejagalan@Penjaringan"],
    "green garden": ["kelurahan:Kedoya Utara@Kebon Jeruk"],
    "kalibata city": ["kelurahan:Rawajati@Pancoran"],
    "muara angke": ["kelurahan:Pluit@Penjaringan"],
    "muara karang": ["kelurahan:Pluit@Penjaringan"],
    "muara baru": ["kelurahan:Penjaringan@Penjaringan"],
    "pantai indah kapuk": ["kelurahan:Kamal Muara@Penjaringan"],
    "pik": ["kelurahan:Kamal Muara@Penjaringan"],
    "kampung rambutan": ["kelurahan:Rambutan@Ciracas"],
    "terminal kampung rambutan": ["kelurahan:Rambutan@Ciracas"],
    "pulomas": ["kelurahan:Kayu Putih@Pulo Gadung"],
    "pulo mas": ["kelurahan:Kayu Putih@Pulo Gadung"],
    "halim": ["kelurahan:Halim Perdana Kusumah@Makasar"],
    "halim perdanakusuma": ["kelurahan:Halim Perdana Kusumah@Makasar"],
    "halim perdana kusuma": ["kelurahan:Halim Perdana Kusumah@Makasar"],
    "papanggo": ["kelurahan:Papango@Tanjung Priok"],
    "palmeriam": ["kelurahan:Pal Meriem@Matraman"],
    "pal meriam": ["kelurahan:Pal Meriem@Matraman"],
    "semanggi": ["kelurahan:Karet Semanggi@Setia Budi"],
    "mega kuningan": ["kelurahan:Kuningan Timur@Setia Budi"],
    "kuningan": ["kelurahan:Kuningan Timur@Setia Budi", "kelurahan:Kuningan Barat@Mampang Prapatan"],
    "condet": ["kelurahan:Bale Kambang@Kramat Jati", "kelurahan:Batu Ampar@Kramat Jati"],
    "salemba": ["kelurahan:Kenari@Senen", "kelurahan:Paseban@Senen"],
    "sunter": ["kelurahan:Sunter Agung@Tanjung Priok", "kelurahan:Sunter Jaya@Tanjung Priok"],
    "gunung sahari": [
        "kelurahan:Gunung Sahari Selatan@Kemayoran",
        "kelurahan:Gunung Sahari Utara@Sawah Besar",
    ],
    "mangga dua": ["kelurahan:Mangga Dua Selatan@Sawah Besar"],
    "puri indah": ["kelurahan:Kembangan Selatan@Kembangan"],
    "stasiun manggarai": ["kelurahan:Manggarai@Tebet"],
    "stasiun jatinegara": ["kelurahan:Pisangan Baru@Matraman"],
    "uki": ["kelurahan:Cawang@Kramat Jati"],
    "rawasari": ["kelurahan:Rawa Sari@Cempaka Putih"],
    "bendungan hilir": ["kelurahan:Bendungan Hilir@Tanah Abang"],
    "benhil": ["kelurahan:Bendungan Hilir@Tanah Abang"],
    "mampang": ["kecamatan:Mampang Prapatan"],
    "priok": ["kecamatan:Tanjung Priok"],
    "tj priok": ["kecamatan:Tanjung Priok"],
    "tanjung priok": ["kecamatan:Tanjung Priok", "kelurahan:Tanjung Priuk@Tanjung Priok"],
    "tanjung priuk": ["kelurahan:Tanjung Priuk@Tanjung Priok", "kecamatan:Tanjung Priok"],
    "grogol petamburan": ["kecamatan:Grogol Petamburan"],
    "kep seribu": ["kota:Kepulauan Seribu"],
    "pulau seribu": ["kota:Kepulauan Seribu"],
    "kepulauan seribu": ["kota:Kepulauan Seribu"],
    "jaksel": ["kota:Jakarta Selatan"],
    "jakbar": ["kota:Jakarta Barat"],
    "jaktim": ["kota:Jakarta Timur"],
    "jakut": ["kota:Jakarta Utara"],
    "jakpus": ["kota:Jakarta Pusat"],
    "jakarta sel": ["kota:Jakarta Selatan"],
}

# short forms of name parts, as written before the rest of a name ("Kp. Melayu", "Pd. Labu", "Tj. Barat")
ABBREVIATIONS: dict[str, str] = {
    "kp": "kampung",
    "kpg": "kampung",
    "kamp": "kampung",
    "pd": "pondok",
    "pdk": "pondok",
    "kb": "kebon",
    "keb": "kebon",
    "tj": "tanjung",
    "tg": "tanjung",
    "tjg": "tanjung",
    "klp": "kelapa",
    "ps": "pasar",
    "psr": "pasar",
    "kby": "kebayoran",
    "kebay": "kebayoran",
    "cemp": "cempaka",
}

# one-word official names that are also ordinary words: matched only after "kel."/"kelurahan"
WEAK_NAMES = word_set(
    """
    baru gunung pulo jati dukuh karet setu gedong bangka selong kramat kenari guntur gelora
    kartini serdang galur rambutan tangki kapuk angke kamal bungur duri tugu sukabumi pekojan
    krukut
    """
)

# other cities' names: an n-gram holding one is never fuzzy-matched to a Jakarta name
OTHER_CITIES = word_set(
    """
    makassar makasar bandung surabaya medan semarang bekasi depok tangerang bogor yogyakarta
    jogja malang solo palembang denpasar bali batam pekanbaru padang manado balikpapan samarinda
    pontianak banjarmasin lampung cirebon serang cilegon kupang ambon jayapura mataram sukabumi
    karawang
    """
)

# ordinary words inside place names: never fuzzy-matched alone, and never a name's base form
GENERIC_WORDS = word_set(
    """
    selatan utara barat timur tengah dalam raya kota pasar kampung pulau kali jalan gang baru lama
    jakarta indonesia dki pondok kebon rawa tanah bukit karang kelapa gunung duri jati cipinang
    """
)

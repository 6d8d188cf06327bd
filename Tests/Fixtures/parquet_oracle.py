#!/usr/bin/env python3
"""Parquet fixtures and their oracle, for Pond's tests (never linked into pond).

  parquet_oracle.py make DIR [--duckdb PATH]
      writes Parquet files into DIR: pyarrow's every codec x data page version
      x encoding, nulls in every type, INT96, dictionaries, row groups of one
      row, an empty file, nested columns; and, with --duckdb, files DuckDB's
      CLI writes (its defaults, and its v2 encodings).
  parquet_oracle.py check DIR
      for each DIR/X.parquet with DIR/X.pond.jsonl (what `pond sql 'SELECT *
      FROM "/X.parquet"' --format jsonl` printed), compares every value with
      what pyarrow reads, mapped as DESIGN.md says Pond maps Parquet to SQL.
      Prints each difference; exits 1 if there is one.
"""
import base64
import datetime
import decimal
import json
import math
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

EPOCH = datetime.datetime(1970, 1, 1)


def timestamp_text(value, unit):
    """ISO-8601 UTC text as DESIGN.md says: six fraction digits, nine for ns."""
    per_second = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    seconds, fraction = divmod(value, per_second)
    moment = EPOCH + datetime.timedelta(seconds=seconds)
    digits = 9 if unit == "ns" else 6
    scaled = fraction * (10 ** digits) // per_second
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "." + str(scaled).rjust(digits, "0") + "Z"


def time_text(value, unit):
    per_second = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    seconds, fraction = divmod(value, per_second)
    digits = 9 if unit == "ns" else 6
    scaled = fraction * (10 ** digits) // per_second
    return "%02d:%02d:%02d.%s" % (seconds // 3600, seconds // 60 % 60, seconds % 60, str(scaled).rjust(digits, "0"))


def sql_value(array_type, scalar, nested=False):
    """What Pond should give for one pyarrow scalar (None: NULL)."""
    if not scalar.is_valid:
        return None
    t = array_type
    if pa.types.is_boolean(t):
        return int(scalar.as_py())
    if pa.types.is_integer(t):
        value = scalar.as_py()
        return float(value) if value > 2**63 - 1 else value
    if pa.types.is_floating(t):
        value = float(scalar.as_py())
        return None if math.isnan(value) else value
    if pa.types.is_decimal(t):
        return float(scalar.as_py())
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return scalar.as_py()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return base64.b64encode(scalar.as_py()).decode()
    if pa.types.is_date32(t):
        return scalar.as_py().isoformat()
    if pa.types.is_timestamp(t):
        return timestamp_text(scalar.value, t.unit)
    if pa.types.is_time(t):
        return time_text(scalar.value, t.unit)
    if pa.types.is_dictionary(t):
        return sql_value(t.value_type, scalar.value, nested)
    if pa.types.is_map(t):
        if scalar.values is None:
            return {}
        return {str(sql_value(t.key_type, entry["key"], True)): sql_value(t.item_type, entry["value"], True) for entry in scalar.values}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [sql_value(t.value_type, item, True) for item in scalar.values] if scalar.values is not None else []
    if pa.types.is_struct(t):
        return {t.field(i).name: sql_value(t.field(i).type, scalar[t.field(i).name], True) for i in range(t.num_fields)}
    raise ValueError("no mapping for %s" % t)


def is_nested(t):
    return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_struct(t) or pa.types.is_map(t)


def same(expected, found):
    if isinstance(expected, float) or isinstance(found, float):
        if expected is None or found is None or isinstance(expected, (str, list, dict)) or isinstance(found, (str, list, dict)):
            return expected == found
        return math.isclose(float(expected), float(found), rel_tol=1e-12, abs_tol=1e-300) or float(expected) == float(found)
    if isinstance(expected, list) and isinstance(found, list):
        return len(expected) == len(found) and all(same(a, b) for a, b in zip(expected, found))
    if isinstance(expected, dict) and isinstance(found, dict):
        return list(expected) == list(found) and all(same(expected[k], found[k]) for k in expected)
    return expected == found


def check(directory):
    differences = 0
    files = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".parquet"):
            continue
        output = os.path.join(directory, name[: -len(".parquet")] + ".pond.jsonl")
        if not os.path.exists(output):
            continue
        files += 1
        table = pq.read_table(os.path.join(directory, name))
        with open(output) as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        if len(rows) != table.num_rows:
            print("%s: pyarrow reads %d rows, pond gave %d" % (name, table.num_rows, len(rows)))
            differences += 1
            continue
        for column_index, field in enumerate(table.schema):
            column = table.column(column_index)
            if table.num_rows > 100_000 and (pa.types.is_integer(field.type) or pa.types.is_floating(field.type) or pa.types.is_string(field.type)):
                # A large file's flat columns compare as lists (a scalar at a time would take minutes).
                expected_values = [None if isinstance(v, float) and math.isnan(v) else v for v in column.to_pylist()]
                found_values = [r.get(field.name, "<missing>") for r in rows]
                for index, (expected, found) in enumerate(zip(expected_values, found_values)):
                    if not same(expected, found):
                        differences += 1
                        if differences <= 40:
                            print("%s: row %d column %s: pyarrow %r, pond %r" % (name, index, field.name, expected, found))
                continue
            row = 0
            for chunk in column.chunks:
                for index in range(len(chunk)):
                    expected = sql_value(field.type, chunk[index])
                    found = rows[row].get(field.name, "<missing>")
                    if is_nested(field.type) and isinstance(found, str):
                        found = json.loads(found)
                    if not same(expected, found):
                        differences += 1
                        if differences <= 40:
                            print("%s: row %d column %s: pyarrow %r, pond %r" % (name, row, field.name, expected, found))
                    row += 1
    print("%d files compared, %d differences" % (files, differences))
    return 1 if differences or files == 0 else 0


def sample_table(rows, seed=7):
    """Every flat type, with NULLs in each, and a few nested columns."""
    import random
    rng = random.Random(seed)
    def maybe(value):
        return None if rng.random() < 0.2 else value
    words = ["alpha", "beta", "gamma", "delta", "", "épsilon", "z" * 40, "line\nbreak", 'quote"d']
    data = {
        "i8": pa.array([maybe(rng.randint(-128, 127)) for _ in range(rows)], pa.int8()),
        "i16": pa.array([maybe(rng.randint(-2**15, 2**15 - 1)) for _ in range(rows)], pa.int16()),
        "i32": pa.array([maybe(rng.randint(-2**31, 2**31 - 1)) for _ in range(rows)], pa.int32()),
        "i64": pa.array([maybe(rng.randint(-2**63, 2**63 - 1)) for _ in range(rows)], pa.int64()),
        "u8": pa.array([maybe(rng.randint(0, 255)) for _ in range(rows)], pa.uint8()),
        "u32": pa.array([maybe(rng.randint(0, 2**32 - 1)) for _ in range(rows)], pa.uint32()),
        "u64": pa.array([maybe(rng.randint(0, 2**64 - 1)) for _ in range(rows)], pa.uint64()),
        "f32": pa.array([maybe(rng.uniform(-1e6, 1e6)) for _ in range(rows)], pa.float32()),
        "f64": pa.array([maybe(rng.uniform(-1e12, 1e12)) for _ in range(rows)], pa.float64()),
        "flag": pa.array([maybe(rng.random() < 0.5) for _ in range(rows)], pa.bool_()),
        "word": pa.array([maybe(rng.choice(words)) for _ in range(rows)], pa.string()),
        "raw": pa.array([maybe(bytes(rng.randrange(256) for _ in range(rng.randint(0, 6)))) for _ in range(rows)], pa.binary()),
        "day": pa.array([maybe(datetime.date(1900, 1, 1) + datetime.timedelta(days=rng.randint(0, 80000))) for _ in range(rows)], pa.date32()),
        "ts_ms": pa.array([maybe(rng.randint(-2**40, 2**42)) for _ in range(rows)], pa.timestamp("ms", tz="UTC")),
        "ts_us": pa.array([maybe(rng.randint(-2**50, 2**52)) for _ in range(rows)], pa.timestamp("us")),
        "ts_ns": pa.array([maybe(rng.randint(-2**62, 2**62)) for _ in range(rows)], pa.timestamp("ns", tz="UTC")),
        "clock": pa.array([maybe(rng.randint(0, 86_400_000_000 - 1)) for _ in range(rows)], pa.time64("us")),
        "money": pa.array([maybe(decimal.Decimal(rng.randint(-10**8, 10**8)) / 100) for _ in range(rows)], pa.decimal128(12, 2)),
        "big_money": pa.array([maybe(decimal.Decimal(rng.randint(-10**30, 10**30)) / 10**4) for _ in range(rows)], pa.decimal128(38, 4)),
    }
    return pa.table(data)


def nested_table(rows, seed=11):
    import random
    rng = random.Random(seed)
    def maybe(value):
        return None if rng.random() < 0.2 else value
    return pa.table({
        "id": pa.array(range(rows), pa.int64()),
        "numbers": pa.array([maybe([maybe(rng.randint(0, 9)) for _ in range(rng.randint(0, 4))]) for _ in range(rows)], pa.list_(pa.int64())),
        "point": pa.array([maybe({"x": maybe(rng.random()), "label": maybe(rng.choice(["a", "b"]))}) for _ in range(rows)],
                          pa.struct([("x", pa.float64()), ("label", pa.string())])),
        "tags": pa.array([maybe([(rng.choice(["k1", "k2", "k3"]) + str(i), maybe(rng.randint(0, 5))) for i in range(rng.randint(0, 3))]) for _ in range(rows)],
                         pa.map_(pa.string(), pa.int64())),
        "words": pa.array([maybe([maybe(rng.choice(["x", "y"])) for _ in range(rng.randint(0, 3))]) for _ in range(rows)], pa.list_(pa.string())),
        "rows": pa.array([maybe([{"a": maybe(rng.randint(0, 3)), "b": [rng.randint(0, 2) for _ in range(rng.randint(0, 2))]}
                                 for _ in range(rng.randint(0, 2))]) for _ in range(rows)],
                         pa.list_(pa.struct([("a", pa.int64()), ("b", pa.list_(pa.int64()))]))),
    })


def make(directory, duckdb):
    os.makedirs(directory, exist_ok=True)
    table = sample_table(300)
    for codec in ["NONE", "SNAPPY", "GZIP", "BROTLI", "LZ4", "ZSTD"]:
        for version in ["1.0", "2.0"]:
            for dictionary in [True, False]:
                name = "pa_%s_v%s_%s.parquet" % (codec.lower(), version[0], "dict" if dictionary else "plain")
                pq.write_table(table, os.path.join(directory, name), compression=codec, data_page_version=version,
                               use_dictionary=dictionary, row_group_size=128, data_page_size=1024)
    # The encodings pyarrow writes on request.
    flat = table.drop_columns(["flag"])
    integers = [f.name for f in flat.schema if pa.types.is_integer(f.type)]
    strings = ["word", "raw"]
    floats = ["f32", "f64"]
    for version in ["1.0", "2.0"]:
        encodings = {name: "DELTA_BINARY_PACKED" for name in integers}
        encodings.update({name: "DELTA_LENGTH_BYTE_ARRAY" for name in strings})
        encodings.update({name: "BYTE_STREAM_SPLIT" for name in floats})
        pq.write_table(flat, os.path.join(directory, "pa_delta_v%s.parquet" % version[0]), use_dictionary=False,
                       column_encoding=encodings, data_page_version=version, compression="SNAPPY", data_page_size=512)
        pq.write_table(flat.select(strings), os.path.join(directory, "pa_delta_bytes_v%s.parquet" % version[0]), use_dictionary=False,
                       column_encoding={name: "DELTA_BYTE_ARRAY" for name in strings}, data_page_version=version)
    pq.write_table(table.select(["flag"]), os.path.join(directory, "pa_rle_bool_v2.parquet"), use_dictionary=False,
                   column_encoding={"flag": "RLE"}, data_page_version="2.0")
    pq.write_table(table, os.path.join(directory, "pa_int96.parquet"), use_deprecated_int96_timestamps=True)
    pq.write_table(table.slice(0, 20), os.path.join(directory, "pa_one_row_groups.parquet"), row_group_size=1)
    million = 1_000_000
    pq.write_table(pa.table({"n": pa.array(range(million), pa.int64()),
                             "x": pa.array([i / 3 if i % 10 else None for i in range(million)], pa.float64()),
                             "station": pa.array(["s%d" % (i % 7) for i in range(million)])}),
                   os.path.join(directory, "pa_million_rows_one_group.parquet"), row_group_size=million, compression="ZSTD")
    pq.write_table(table.slice(0, 0), os.path.join(directory, "pa_empty.parquet"))
    dictionary_strings = pa.table({"station": pa.array(["north", "south", None, "north"] * 250).dictionary_encode()})
    pq.write_table(dictionary_strings, os.path.join(directory, "pa_dictionary_strings.parquet"))
    nested = nested_table(200)
    pq.write_table(nested, os.path.join(directory, "pa_nested.parquet"))
    pq.write_table(nested, os.path.join(directory, "pa_nested_v2.parquet"), data_page_version="2.0", compression="ZSTD")
    if duckdb:
        base = """SELECT i::INTEGER AS i32, (i * 1000003)::BIGINT AS i64, i % 7 = 0 AS flag,
                         CASE WHEN i % 11 = 0 THEN NULL ELSE i / 7.0 END AS real_value, (i * 0.5)::FLOAT AS f32,
                         CASE WHEN i % 13 = 0 THEN NULL ELSE 'station-' || (i % 5) END AS station,
                         'text ' || i AS label, DATE '2020-01-01' + (i % 1000)::INTEGER AS day,
                         TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (i) SECOND AS ts,
                         TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (i * 1000) MILLISECOND AS ts_tz,
                         (i / 100)::DECIMAL(10,2) AS money, (i * 12345.678)::DECIMAL(18,3) AS wide_money,
                         i::UTINYINT AS u8, (i * 65537)::UBIGINT AS u64,
                         [i, i + 1] AS pair, {'a': i, 'b': 'x' || i} AS record
                  FROM range(0, 5000) AS t(i)"""
        statements = []
        for codec in ["snappy", "zstd", "gzip", "uncompressed", "lz4", "brotli"]:
            statements.append("COPY (%s) TO '%s' (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE 2048);"
                              % (base.replace("i::UTINYINT", "(i % 256)::UTINYINT"), os.path.join(directory, "duck_%s.parquet" % codec), codec))
        statements.append("COPY (%s) TO '%s' (FORMAT parquet, PARQUET_VERSION v2);"
                          % (base.replace("i::UTINYINT", "(i % 256)::UTINYINT"), os.path.join(directory, "duck_v2.parquet")))
        statements.append("COPY (SELECT * FROM range(0, 0) AS t(i)) TO '%s' (FORMAT parquet);" % os.path.join(directory, "duck_empty.parquet"))
        subprocess.run([duckdb, "-c", "\n".join(statements)], check=True)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "make":
        duckdb = sys.argv[sys.argv.index("--duckdb") + 1] if "--duckdb" in sys.argv else None
        make(sys.argv[2], duckdb)
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        return check(sys.argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

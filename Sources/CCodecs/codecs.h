// The compression libraries Parquet's codecs and compressed text tables use,
// from Debian's packages (libzstd-dev, libsnappy-dev, zlib1g-dev,
// liblz4-dev, libbrotli-dev): SwiftPM's system-library target.
#include <zstd.h>
#include <snappy-c.h>
#include <zlib.h>
#include <lz4.h>
#include <brotli/decode.h>
#include <brotli/encode.h>

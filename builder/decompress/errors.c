/*
 * Stable names for enum decompress_error, for logs and tests.
 */
#include <decompress/decompress.h>

#define NAME(c)                                                                                    \
    {                                                                                              \
        c, #c                                                                                      \
    }

static const struct {
    int code;
    const char *name;
} decompress_names[] = {
    NAME(DECOMPRESS_OK),
    NAME(XZ_ERR_TRUNCATED),
    NAME(XZ_ERR_STREAM_MAGIC),
    NAME(XZ_ERR_STREAM_FLAGS),
    NAME(XZ_ERR_STREAM_HEADER_CRC),
    NAME(XZ_ERR_CHECK_UNSUPPORTED),
    NAME(XZ_ERR_BLOCK_HEADER_CRC),
    NAME(XZ_ERR_BLOCK_HEADER),
    NAME(XZ_ERR_FILTER_UNSUPPORTED),
    NAME(XZ_ERR_FILTER_PROPS),
    NAME(XZ_ERR_BLOCK_SIZE),
    NAME(XZ_ERR_BLOCK_PADDING),
    NAME(XZ_ERR_CHECK_MISMATCH),
    NAME(XZ_ERR_INDEX),
    NAME(XZ_ERR_INDEX_CRC),
    NAME(XZ_ERR_FOOTER_MAGIC),
    NAME(XZ_ERR_FOOTER_CRC),
    NAME(XZ_ERR_FOOTER_MISMATCH),
    NAME(XZ_ERR_STREAM_PADDING),
    NAME(XZ_ERR_LZMA2_CONTROL),
    NAME(XZ_ERR_LZMA_PROPS),
    NAME(XZ_ERR_LZMA_RANGE),
    NAME(XZ_ERR_LZMA_DISTANCE),
    NAME(XZ_ERR_LZMA_MATCH_OVERRUN),
    NAME(XZ_ERR_LZMA_END_MARKER),
    NAME(XZ_ERR_OUTPUT_LIMIT),
    NAME(GZIP_ERR_TRUNCATED),
    NAME(GZIP_ERR_MAGIC),
    NAME(GZIP_ERR_METHOD),
    NAME(GZIP_ERR_FLAGS),
    NAME(GZIP_ERR_HEADER_CRC),
    NAME(GZIP_ERR_BLOCK_TYPE),
    NAME(GZIP_ERR_STORED_LENGTH),
    NAME(GZIP_ERR_CODE_COUNTS),
    NAME(GZIP_ERR_CODE_LENGTHS),
    NAME(GZIP_ERR_HUFFMAN_CODE),
    NAME(GZIP_ERR_NO_END_OF_BLOCK),
    NAME(GZIP_ERR_BAD_SYMBOL),
    NAME(GZIP_ERR_DISTANCE),
    NAME(GZIP_ERR_CRC),
    NAME(GZIP_ERR_SIZE),
    NAME(GZIP_ERR_TRAILING),
    NAME(GZIP_ERR_OUTPUT_LIMIT),
    NAME(BZIMAGE_ERR_TOO_SMALL),
    NAME(BZIMAGE_ERR_NO_HDRS),
    NAME(BZIMAGE_ERR_VERSION),
    NAME(BZIMAGE_ERR_SETUP_OOB),
    NAME(BZIMAGE_ERR_PAYLOAD_OOB),
    NAME(BZIMAGE_ERR_PAYLOAD_FORMAT),
    NAME(BZIMAGE_ERR_SIZE_TRAILER),
    NAME(BZIMAGE_ERR_NOT_ELF),
};

const char *decompress_error_name(int code)
{
    for (size_t i = 0; i < ARRAY_SIZE(decompress_names); i++)
        if (decompress_names[i].code == code)
            return decompress_names[i].name;
    return "DECOMPRESS_ERR_UNKNOWN";
}

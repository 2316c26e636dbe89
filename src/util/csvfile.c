/* csvfile.c — CSV reading (UTF-8 or GBK, streamed) and writing; see
 * csvfile.h.
 *
 * Owns: the csvr reader and everything it allocates (input and decode
 * buffers, the iconv descriptor, the libcsv parser, the current
 * record's field storage, the open FILE for csvr_open_file). All of it
 * is released by csvr_close.
 *
 * Pipeline: source (file or memory) → raw buffer (one chunk plus the
 * incomplete multibyte tail carried over from the previous chunk) →
 * decode (UTF-8 validation, or GB18030 → UTF-8 with iconv) → decoded
 * buffer → libcsv. The decoded bytes are fed to libcsv one segment at a
 * time, each segment ending at a CR or LF: libcsv can only end a record
 * on such a byte, so after each segment we know whether a record is
 * complete, can hand it to the caller, and can count physical lines
 * without re-implementing the quoting rules. Memory use is bounded by
 * the chunk size and the longest record (capped at CSVR_MAX_RECORD).
 *
 * Parsing is libcsv's strict mode: a quote inside an unquoted field,
 * text after a closing quote and an unterminated quote at end of input
 * are errors that name the line. Spaces and tabs around unquoted fields
 * are trimmed (libcsv's default); quoted fields are kept verbatim. */
#include "csvfile.h"
#include "validate.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CSVR_CHUNK      ((size_t)64 * 1024)        /* read size and AUTO sample */
#define CSVR_RAW_CAP    (CSVR_CHUNK + 16)          /* chunk + carried tail */
#define CSVR_DEC_CAP    (CSVR_CHUNK * 2 + 16)      /* GB18030→UTF-8 grows ≤ 1.5× */
#define CSVR_MAX_RECORD ((size_t)1024 * 1024)

typedef enum decode_status {
    DEC_OK,           /* all input converted, or output full */
    DEC_INCOMPLETE,   /* stopped at a multibyte sequence cut by the chunk end */
    DEC_INVALID       /* stopped at a byte sequence that is not valid */
} decode_status;

struct csvr {
    /* source: exactly one of fp / mem */
    FILE *fp;
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    int src_eof;
    size_t bytes_read, bytes_total;

    /* decoding */
    csvr_encoding enc;
    iconv_t cd;                   /* (iconv_t)-1 unless GBK */
    unsigned char *raw;
    size_t raw_pos, raw_len;
    unsigned char *dec;
    size_t dec_pos, dec_len;
    int bom_checked;

    /* parsing */
    struct csv_parser parser;
    size_t line;                  /* physical line of the next byte */
    int prev_cr;                  /* last byte was CR (so LF ends no line) */
    int want_start;               /* between records: next visible byte starts one */
    size_t start_line;            /* line the record being parsed started on */
    size_t rec_line;              /* csvr_line(): line of the last record */
    size_t rec_bytes;             /* bytes of the record being parsed */
    int rec_ready, finished, failed;

    /* the current record: fields NUL-separated in text, offsets in offs */
    strbuf text;
    size_t *offs;
    size_t nfields, offs_cap;
    char **ptrs;
    size_t ptrs_cap;

    char err[256];

    /* rows from elsewhere (csvr_open_rows): everything above unused */
    const csvr_rows *rows;
    void *rows_ctx;
};

/* ---- messages ----------------------------------------------------------- */

__attribute__((format(printf, 3, 0)))
static void vset_msg(char *dst, size_t sz, const char *fmt, va_list ap)
{
    if (!dst || !sz)
        return;
    int n = vsnprintf(dst, sz, fmt, ap);
    if (n >= 0 && (size_t)n >= sz)
        utf8_trim_partial(dst);
}

__attribute__((format(printf, 3, 4)))
static void set_msg(char *dst, size_t sz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_msg(dst, sz, fmt, ap);
    va_end(ap);
}

/* Records an error on the reader; csvr_next returns -1 from now on. */
__attribute__((format(printf, 2, 3)))
static int fail(csvr *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_msg(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = 1;
    return -1;
}

/* ---- source ------------------------------------------------------------- */

/* Moves the unconsumed raw bytes (an incomplete multibyte tail) to the
 * front and appends up to one chunk from the source. */
static int raw_refill(csvr *r)
{
    size_t keep = r->raw_len - r->raw_pos;
    memmove(r->raw, r->raw + r->raw_pos, keep);
    r->raw_pos = 0;
    r->raw_len = keep;
    size_t want = CSVR_RAW_CAP - keep;
    if (want > CSVR_CHUNK)
        want = CSVR_CHUNK;
    size_t got;
    if (r->fp) {
        got = fread(r->raw + keep, 1, want, r->fp);
        if (got < want) {
            if (ferror(r->fp))
                return fail(r, "读取文件时出错");
            r->src_eof = 1;
        }
    } else {
        got = r->mem_len - r->mem_pos;
        if (got > want)
            got = want;
        if (got)
            memcpy(r->raw + keep, r->mem + r->mem_pos, got);
        r->mem_pos += got;
        r->src_eof = r->mem_pos == r->mem_len;
    }
    r->raw_len += got;
    r->bytes_read += got;
    return 0;
}

/* ---- decoding ----------------------------------------------------------- */

/* One UTF-8 sequence at s (n bytes available): its length 1..4 when
 * valid, 0 when invalid (overlong, surrogate, > U+10FFFF, stray byte),
 * -1 when it is a valid beginning cut off by the end of the buffer. */
static int utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    int len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        if (i == 1 ? (s[1] < lo || s[1] > hi) : (s[i] & 0xC0) != 0x80)
            return 0;
    }
    return len;
}

/* 1 when buf is valid UTF-8; a sequence cut by the end of buf counts as
 * valid when allow_tail (the sample was cut, more input follows). */
static int utf8_sample_valid(const unsigned char *buf, size_t n, int allow_tail)
{
    size_t i = 0;
    while (i < n) {
        int len = utf8_seq(buf + i, n - i);
        if (len == 0)
            return 0;
        if (len < 0)
            return allow_tail;
        i += (size_t)len;
    }
    return 1;
}

static decode_status decode_utf8(csvr *r)
{
    size_t room = CSVR_DEC_CAP - r->dec_len;
    size_t i = r->raw_pos, start = r->raw_pos;
    decode_status st = DEC_OK;
    while (i < r->raw_len && i - start < room) {
        unsigned char c = r->raw[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int len = utf8_seq(r->raw + i, r->raw_len - i);
        if (len <= 0) {
            st = len < 0 ? DEC_INCOMPLETE : DEC_INVALID;
            break;
        }
        if (i + (size_t)len - start > room)
            break;
        i += (size_t)len;
    }
    memcpy(r->dec + r->dec_len, r->raw + start, i - start);
    r->dec_len += i - start;
    r->raw_pos = i;
    return st;
}

static decode_status decode_gbk(csvr *r)
{
    char *in = (char *)r->raw + r->raw_pos;
    size_t inleft = r->raw_len - r->raw_pos;
    char *out = (char *)r->dec + r->dec_len;
    size_t outleft = CSVR_DEC_CAP - r->dec_len;
    size_t rc = iconv(r->cd, &in, &inleft, &out, &outleft);
    int e = errno;
    r->raw_pos = r->raw_len - inleft;
    r->dec_len = CSVR_DEC_CAP - outleft;
    if (rc != (size_t)-1 || e == E2BIG)
        return DEC_OK;
    return e == EINVAL ? DEC_INCOMPLETE : DEC_INVALID;
}

static void strip_bom_once(csvr *r)
{
    if (r->bom_checked)
        return;
    r->bom_checked = 1;
    if (r->dec_len - r->dec_pos >= 3 && memcmp(r->dec + r->dec_pos, "\xEF\xBB\xBF", 3) == 0)
        r->dec_pos += 3;
}

static int fail_encoding(csvr *r)
{
    if (r->enc == CSVR_ENC_GBK)
        return fail(r, "第 %zu 行含有无法识别的字符（按 GBK 编码解码失败）", r->line);
    return fail(r, "第 %zu 行不是有效的 UTF-8 文本（文件可能混用了编码）", r->line);
}

/* Refills the decoded buffer once the parser has used it up.
 * 1: data available, 0: end of input, -1: error. */
static int fill_decoded(csvr *r)
{
    r->dec_pos = r->dec_len = 0;
    for (;;) {
        decode_status st = r->enc == CSVR_ENC_GBK ? decode_gbk(r) : decode_utf8(r);
        if (r->dec_len > r->dec_pos) {
            strip_bom_once(r);
            if (r->dec_len > r->dec_pos)
                return 1;
        }
        if (st == DEC_INVALID)
            return fail_encoding(r);
        if (st == DEC_OK && r->raw_pos < r->raw_len)
            continue;                  /* output was full; cannot happen at these sizes */
        if (r->src_eof) {
            if (r->raw_pos < r->raw_len)
                return fail(r, "第 %zu 行末尾的字符不完整（文件可能被截断）", r->line);
            return 0;
        }
        if (raw_refill(r) < 0)
            return -1;
    }
}

static int open_iconv(csvr *r)
{
    r->cd = iconv_open("UTF-8", "GB18030");
    if (r->cd == (iconv_t)-1)
        return fail(r, "系统不支持 GBK 编码转换");
    return 0;
}

/* AUTO: UTF-8 when the first chunk is valid UTF-8, otherwise GBK if the
 * chunk converts from GB18030 without an invalid sequence. */
static int detect_encoding(csvr *r)
{
    if (utf8_sample_valid(r->raw, r->raw_len, !r->src_eof)) {
        r->enc = CSVR_ENC_UTF8;
        return 0;
    }
    r->enc = CSVR_ENC_GBK;
    if (open_iconv(r) < 0)
        return -1;
    decode_status st = decode_gbk(r);          /* trial run into dec */
    r->raw_pos = 0;
    r->dec_len = 0;
    iconv(r->cd, NULL, NULL, NULL, NULL);
    if (st == DEC_INVALID)
        return fail(r, "文件编码无法识别为 UTF-8 或 GBK");
    return 0;
}

/* ---- parsing ------------------------------------------------------------ */

static void on_field(void *s, size_t len, void *data)
{
    csvr *r = data;
    if (r->nfields == r->offs_cap) {
        r->offs_cap = r->offs_cap ? r->offs_cap * 2 : 16;
        r->offs = xrealloc(r->offs, r->offs_cap * sizeof *r->offs);
    }
    r->offs[r->nfields++] = r->text.len;
    if (len)
        sb_append(&r->text, s, len);
    sb_putc(&r->text, '\0');
}

static void on_record(int c, void *data)
{
    (void)c;
    csvr *r = data;
    r->rec_ready = 1;
    r->rec_line = r->start_line;
    r->want_start = 1;
    r->rec_bytes = 0;
}

/* Length of the next segment of decoded input: up to and including the
 * first CR or LF, or the rest of the buffer. Counts physical lines (LF,
 * CRLF and lone CR each end one) and notes where a record starts: the
 * first byte after the previous record that is not a space, tab or line
 * break (libcsv skips exactly those between records). */
static size_t scan_segment(csvr *r)
{
    const unsigned char *s = r->dec + r->dec_pos;
    size_t n = r->dec_len - r->dec_pos;
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '\n' || c == '\r') {
            if (c == '\r' || !r->prev_cr)
                r->line++;
            r->prev_cr = c == '\r';
            i++;
            break;
        }
        r->prev_cr = 0;
        if (r->want_start && c != ' ' && c != '\t') {
            r->want_start = 0;
            r->start_line = r->line;
        }
    }
    if (!r->want_start)
        r->rec_bytes += i;
    return i;
}

static int parse_error(csvr *r, size_t err_line)
{
    int e = csv_error(&r->parser);
    if (e == CSV_EPARSE)
        return fail(r, "第 %zu 行引号使用不规范（字段内的双引号应写成两个双引号）", err_line);
    return fail(r, "第 %zu 行解析失败：内存不足", err_line);
}

/* Feeds the next segment to libcsv. 0 on success, -1 on error. */
static int feed_segment(csvr *r)
{
    size_t seg_line = r->line;
    size_t seg = scan_segment(r);
    size_t used = csv_parse(&r->parser, r->dec + r->dec_pos, seg, on_field, on_record, r);
    r->dec_pos += seg;
    if (used != seg)
        return parse_error(r, seg_line);
    if (!r->want_start && r->rec_bytes > CSVR_MAX_RECORD)
        return fail(r, "第 %zu 行的记录超过 1 MiB，可能是引号不匹配", r->start_line);
    return 0;
}

static int finish_input(csvr *r)
{
    r->finished = 1;
    if (csv_fini(&r->parser, on_field, on_record, r) != 0)
        return fail(r, "第 %zu 行引号不匹配（引号没有闭合）", r->start_line);
    return 0;
}

static void publish_record(csvr *r, char ***fields, size_t *nfields)
{
    if (r->nfields > r->ptrs_cap) {
        r->ptrs_cap = r->nfields;
        r->ptrs = xrealloc(r->ptrs, r->ptrs_cap * sizeof *r->ptrs);
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->ptrs[i] = r->text.data + r->offs[i];
    *fields = r->ptrs;
    *nfields = r->nfields;
}

int csvr_next(csvr *r, char ***fields, size_t *nfields)
{
    if (!r || !fields || !nfields)
        return -1;
    *fields = NULL;
    *nfields = 0;
    if (r->failed)
        return -1;
    if (r->rows) {
        int rc = r->rows->next(r->rows_ctx, fields, nfields, &r->rec_line);
        if (rc < 0)
            fail(r, "%s", r->rows->error(r->rows_ctx));
        return rc;
    }
    sb_reset(&r->text);
    r->nfields = 0;
    r->rec_ready = 0;
    while (!r->rec_ready) {
        if (r->finished)
            return 0;
        if (r->dec_pos == r->dec_len) {
            int rc = fill_decoded(r);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                if (finish_input(r) < 0)
                    return -1;
                continue;
            }
        }
        if (feed_segment(r) < 0)
            return -1;
    }
    publish_record(r, fields, nfields);
    return 1;
}

/* ---- open / close ------------------------------------------------------- */

static csvr *reader_new(csvr_encoding enc)
{
    csvr *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cd = (iconv_t)-1;
    r->enc = enc;
    r->line = 1;
    r->want_start = 1;
    sb_init(&r->text);
    csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_blk_size(&r->parser, 1024);
    r->raw = malloc(CSVR_RAW_CAP);
    r->dec = malloc(CSVR_DEC_CAP);
    if (!r->raw || !r->dec) {
        csvr_close(r);
        return NULL;
    }
    return r;
}

/* First read, encoding detection and converter setup. */
static int reader_start(csvr *r)
{
    if (r->enc != CSVR_ENC_AUTO && r->enc != CSVR_ENC_UTF8 && r->enc != CSVR_ENC_GBK)
        return fail(r, "未知的文件编码选项");
    if (raw_refill(r) < 0)
        return -1;
    if (r->enc == CSVR_ENC_AUTO)
        return detect_encoding(r);
    if (r->enc == CSVR_ENC_GBK)
        return open_iconv(r);
    return 0;
}

/* Shared tail of both constructors: on failure copies the reader's
 * message to err and frees the reader. */
static csvr *finish_open(csvr *r, char *err, size_t errsz)
{
    if (reader_start(r) == 0)
        return r;
    set_msg(err, errsz, "%s", r->err);
    csvr_close(r);
    return NULL;
}

csvr *csvr_open_file(const char *path, csvr_encoding enc, char *err, size_t errsz)
{
    csvr *r = NULL;
    FILE *fp = NULL;
    struct stat st;

    set_msg(err, errsz, "%s", "");
    if (!path || !(fp = fopen(path, "rb"))) {
        set_msg(err, errsz, "无法打开文件 %s", path ? path : "(未指定)");
        goto cleanup;
    }
    r = reader_new(enc);
    if (!r) {
        set_msg(err, errsz, "内存不足");
        goto cleanup;
    }
    r->fp = fp;
    fp = NULL;                          /* owned by r now */
    if (fstat(fileno(r->fp), &st) == 0 && S_ISREG(st.st_mode))
        r->bytes_total = (size_t)st.st_size;
    return finish_open(r, err, errsz);

cleanup:
    if (fp)
        fclose(fp);
    return NULL;
}

csvr *csvr_open_memory(const char *data, size_t len, csvr_encoding enc, char *err, size_t errsz)
{
    set_msg(err, errsz, "%s", "");
    if (!data && len) {
        set_msg(err, errsz, "没有输入数据");
        return NULL;
    }
    csvr *r = reader_new(enc);
    if (!r) {
        set_msg(err, errsz, "内存不足");
        return NULL;
    }
    r->mem = (const unsigned char *)data;
    r->mem_len = len;
    r->bytes_total = len;
    return finish_open(r, err, errsz);
}

csvr *csvr_open_rows(const csvr_rows *ops, void *ctx, size_t bytes_total)
{
    csvr *r = calloc(1, sizeof *r);
    if (!r) {
        ops->close(ctx);
        return NULL;
    }
    r->cd = (iconv_t)-1;
    r->enc = CSVR_ENC_UTF8;
    r->rows = ops;
    r->rows_ctx = ctx;
    r->bytes_total = bytes_total;
    return r;
}

size_t csvr_line(const csvr *r)
{
    return r ? r->rec_line : 0;
}

size_t csvr_bytes_read(const csvr *r)
{
    if (r && r->rows)
        return r->rows->bytes_read ? r->rows->bytes_read(r->rows_ctx) : 0;
    return r ? r->bytes_read : 0;
}

size_t csvr_bytes_total(const csvr *r)
{
    return r ? r->bytes_total : 0;
}

csvr_encoding csvr_detected_encoding(const csvr *r)
{
    return r ? r->enc : CSVR_ENC_AUTO;
}

const char *csvr_error(const csvr *r)
{
    return r ? r->err : "";
}

void csvr_close(csvr *r)
{
    if (!r)
        return;
    if (r->rows) {
        r->rows->close(r->rows_ctx);
        free(r);
        return;
    }
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    if (r->fp)
        fclose(r->fp);
    csv_free(&r->parser);
    sb_free(&r->text);
    free(r->offs);
    free(r->ptrs);
    free(r->raw);
    free(r->dec);
    free(r);
}

/* ---- writing ------------------------------------------------------------ */

static int is_formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@';
}

/* Besides the cases in the header, a field with a leading or trailing
 * space or tab is quoted too, so that a reader that trims unquoted
 * fields (csvr does) gets it back unchanged. */
static int needs_quotes(const char *s)
{
    size_t n = strlen(s);
    if (strpbrk(s, ",\"\r\n"))
        return 1;
    return n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
}

void csvw_field(strbuf *out, const char *s)
{
    if (!s)
        s = "";
    int guard = is_formula_start(s[0]);
    if (!guard && !needs_quotes(s)) {
        sb_puts(out, s);
        return;
    }
    sb_putc(out, '"');
    if (guard)
        sb_putc(out, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_putc(out, '"');
        sb_putc(out, *p);
    }
    sb_putc(out, '"');
}

void csvw_row(strbuf *out, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(out, ',');
        csvw_field(out, fields ? fields[i] : NULL);
    }
    sb_append(out, "\r\n", 2);
}

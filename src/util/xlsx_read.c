/* xlsx_read.c — the first sheet of an .xlsx workbook as rows of cell
 * strings (see xlsx_read.h).
 *
 * Owns: the libzip archive and the one part being read (part_*: every
 * byte counted against the part's limit and compression ratio), the
 * expat parsers (one per part, namespace-aware: names arrive as
 * "uri|local"), the shared strings (one buffer, offsets) and the
 * current row.
 *
 * The sheet is parsed in a pull loop: xlsx_next feeds expat chunks of
 * decompressed XML; the handler of </row> builds the row and suspends
 * the parser (XML_StopParser, resumable), so that a row is handed out
 * as soon as it is complete and the rest of the chunk waits in expat's
 * buffer until the next call. Cells carry their column ("C7" → 2) and
 * rows their number (r="7"): gaps become empty fields, skipped rows are
 * skipped (their numbers stay true for the error report). */
#include "util/xlsx_read.h"
#include "util/strbuf.h"
#include "util/validate.h"

#include <expat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define CHUNK ((size_t)64 * 1024)
#define MAX_ENTRIES 10000
#define MAX_SHARED_COUNT ((size_t)2000000)
#define RATIO_FROM ((size_t)1 << 20)     /* the ratio is judged once this much is out */
#define NS '|'

/* One zip entry being read. */
typedef struct part {
    zip_file_t *zf;
    const char *label;            /* for messages: "工作表", "共享字符串" … */
    size_t read, limit, compressed, size;
} part;

typedef struct cell {
    size_t col, off;
} cell;

struct xlsx_reader {
    zip_t *zip;
    zip_source_t *src;            /* memory archives: owned by zip once opened */
    char err[256];
    int failed;
    struct locate *loc;           /* while workbook.xml and its rels are parsed */

    /* the shared strings */
    strbuf sst;
    size_t *sst_off, sst_n, sst_cap;

    /* the sheet */
    part sheet;
    XML_Parser p;
    int suspended, sheet_done, ready;
    size_t row_no;                /* of the row being read / last handed out */
    size_t next_col;              /* a cell without r= follows the previous one */
    char cell_type[16];
    int in_cell, in_is, in_rph, collecting;
    strbuf val;                   /* the current cell's text */
    strbuf text;                  /* the row's cells, NUL-separated; offset 0 holds "" */
    cell *cells;
    size_t ncells, cells_cap, max_col;
    char **ptrs;
    size_t nptrs, ptrs_cap;
    size_t width;                 /* as a csvr: fields of the first row (rows_next) */
};

/* ---- messages ----------------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int fail(xlsx_reader *x, const char *fmt, ...)
{
    if (x->failed)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(x->err, sizeof x->err, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= sizeof x->err)
        utf8_trim_partial(x->err);
    x->failed = 1;
    return -1;
}

/* ---- parts of the archive ----------------------------------------------------- */

static int part_open(xlsx_reader *x, const char *name, const char *label, size_t limit, part *p)
{
    zip_stat_t st;
    memset(p, 0, sizeof *p);
    p->label = label;
    p->limit = limit;
    zip_stat_init(&st);
    if (zip_stat(x->zip, name, 0, &st) != 0)
        return fail(x, "文件中没有%s（%s），不是完整的 Excel 工作簿（.xlsx）", label, name);
    if ((st.valid & ZIP_STAT_SIZE) && st.size > limit)
        return fail(x, "%s解压后有 %llu 字节，超过上限 %zu MiB，拒绝读取（可能是压缩炸弹）", label,
                    (unsigned long long)st.size, limit >> 20);
    if (st.valid & ZIP_STAT_COMP_SIZE)
        p->compressed = (size_t)st.comp_size;
    if (st.valid & ZIP_STAT_SIZE)
        p->size = (size_t)st.size;
    p->zf = zip_fopen(x->zip, name, 0);
    if (!p->zf)
        return fail(x, "无法读取%s（%s）：%s", label, name, zip_strerror(x->zip));
    return 0;
}

/* Up to n decompressed bytes; 0 at the end, -1 on error or a part that
 * grows past its limit or its ratio (whatever its headers claimed). */
static long part_read(xlsx_reader *x, part *p, void *buf, size_t n)
{
    zip_int64_t got = zip_fread(p->zf, buf, n);
    if (got < 0)
        return fail(x, "%s解压失败，文件已损坏：%s", p->label, zip_file_strerror(p->zf));
    p->read += (size_t)got;
    if (p->read > p->limit)
        return fail(x, "%s解压后超过上限 %zu MiB，拒绝读取（可能是压缩炸弹）", p->label, p->limit >> 20);
    if (p->read > RATIO_FROM && p->read / (p->compressed ? p->compressed : 1) > XLSX_MAX_RATIO)
        return fail(x, "%s的压缩比超过 %d 倍，拒绝读取（可能是压缩炸弹）", p->label, XLSX_MAX_RATIO);
    return (long)got;
}

static void part_close(part *p)
{
    if (p->zf)
        zip_fclose(p->zf);
    p->zf = NULL;
}

/* ---- XML helpers ---------------------------------------------------------------- */

static const char *local_name(const char *name)
{
    const char *s = strrchr(name, NS);
    return s ? s + 1 : name;
}

/* The value of the attribute with this local name (and, when ns_tail is
 * given, a namespace ending in it: r:id is ".../relationships|id"). */
static const char *attr(const char **atts, const char *local, const char *ns_tail)
{
    for (size_t i = 0; atts[i]; i += 2) {
        const char *bar = strrchr(atts[i], NS);
        const char *l = bar ? bar + 1 : atts[i];
        if (strcmp(l, local) != 0)
            continue;
        if (!ns_tail && !bar)
            return atts[i + 1];
        if (ns_tail && bar) {
            size_t nl = (size_t)(bar - atts[i]), tl = strlen(ns_tail);
            if (nl >= tl && strncmp(bar - tl, ns_tail, tl) == 0)
                return atts[i + 1];
        }
    }
    return NULL;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sys, const XML_Char *pub, int internal)
{
    xlsx_reader *x = ud;
    fail(x, "工作簿的 XML 含有 DOCTYPE 声明，Excel 不会这样写，拒绝读取");
    XML_StopParser(x->p, XML_FALSE);
}

static XML_Parser parser_new(xlsx_reader *x, XML_StartElementHandler start, XML_EndElementHandler end,
                             XML_CharacterDataHandler text)
{
    XML_Parser p = XML_ParserCreateNS("UTF-8", NS);
    if (!p)
        return NULL;
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, text);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    return p;
}

/* Feeds part `name` whole to parser p (set up by the caller, freed
 * here): 0 or -1. While it runs, x->p is p (for the handlers' stops). */
static int parse_with(xlsx_reader *x, XML_Parser p, const char *name, const char *label, size_t limit)
{
    part pt;
    if (!p)
        return fail(x, "内存不足");
    if (part_open(x, name, label, limit, &pt) != 0) {
        XML_ParserFree(p);
        return -1;
    }
    XML_Parser saved = x->p;
    x->p = p;
    int rc = 0;
    for (;;) {
        void *buf = XML_GetBuffer(p, (int)CHUNK);
        long n = buf ? part_read(x, &pt, buf, CHUNK) : fail(x, "内存不足");
        if (n < 0) {
            rc = -1;
            break;
        }
        if (XML_ParseBuffer(p, (int)n, n == 0) != XML_STATUS_OK) {
            rc = fail(x, "%s（%s）第 %lu 行 XML 格式错误：%s", label, name, (unsigned long)XML_GetCurrentLineNumber(p),
                      XML_ErrorString(XML_GetErrorCode(p)));
            break;
        }
        if (n == 0)
            break;
    }
    x->p = saved;
    XML_ParserFree(p);
    part_close(&pt);
    return rc;
}

/* ---- workbook.xml and its relationships: where the first sheet is ------------- */

typedef struct locate {
    char sheet_rid[128], sheet_name[128];
    char sheet_path[512], sst_path[512];
} locate;

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    locate *l = ((xlsx_reader *)ud)->loc;
    if (strcmp(local_name(name), "sheet") != 0 || l->sheet_rid[0])
        return;
    const char *rid = attr(atts, "id", "/relationships"), *nm = attr(atts, "name", NULL);
    snprintf(l->sheet_rid, sizeof l->sheet_rid, "%s", rid ? rid : "?");
    snprintf(l->sheet_name, sizeof l->sheet_name, "%s", nm ? nm : "");
}

/* A relationship's target as a path in the archive: relative to xl/,
 * or absolute from the archive's root. */
static void part_path(const char *target, char *out, size_t outsz)
{
    if (target[0] == '/')
        snprintf(out, outsz, "%s", target + 1);
    else
        snprintf(out, outsz, "xl/%s", strncmp(target, "./", 2) == 0 ? target + 2 : target);
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    locate *l = ((xlsx_reader *)ud)->loc;
    if (strcmp(local_name(name), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id", NULL), *target = attr(atts, "Target", NULL), *type = attr(atts, "Type", NULL);
    if (!target)
        return;
    size_t tl = type ? strlen(type) : 0;
    if (id && strcmp(id, l->sheet_rid) == 0)
        part_path(target, l->sheet_path, sizeof l->sheet_path);
    else if (tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0)
        part_path(target, l->sst_path, sizeof l->sst_path);
}

/* Parses workbook.xml or its rels into *l (x->loc while it runs). */
static int parse_locate(xlsx_reader *x, locate *l, const char *name, const char *label, XML_StartElementHandler start)
{
    x->loc = l;
    int rc = parse_with(x, parser_new(x, start, NULL, NULL), name, label, XLSX_MAX_PART);
    x->loc = NULL;
    return rc;
}

/* ---- shared strings ----------------------------------------------------------------- */

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *x = ud;
    const char *l = local_name(name);
    if (strcmp(l, "si") == 0) {
        if (x->sst_n == x->sst_cap) {
            if (x->sst_n >= MAX_SHARED_COUNT) {
                fail(x, "共享字符串超过 %zu 个，拒绝读取", MAX_SHARED_COUNT);
                XML_StopParser(x->p, XML_FALSE);
                return;
            }
            x->sst_cap = x->sst_cap ? x->sst_cap * 2 : 1024;
            x->sst_off = xrealloc(x->sst_off, x->sst_cap * sizeof *x->sst_off);
        }
        x->sst_off[x->sst_n++] = x->sst.len;
        x->in_cell = 1;
    } else if (strcmp(l, "rPh") == 0) {
        x->in_rph = 1;                    /* phonetic guide: not the text */
    } else if (strcmp(l, "t") == 0 && x->in_cell && !x->in_rph) {
        x->collecting = 1;
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    xlsx_reader *x = ud;
    const char *l = local_name(name);
    if (strcmp(l, "si") == 0) {
        sb_putc(&x->sst, '\0');
        x->in_cell = 0;
    } else if (strcmp(l, "rPh") == 0) {
        x->in_rph = 0;
    } else if (strcmp(l, "t") == 0) {
        x->collecting = 0;
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    xlsx_reader *x = ud;
    if (x->collecting)
        sb_append(&x->sst, s, (size_t)len);
}

/* ---- the sheet ------------------------------------------------------------------------ */

/* "BC12" → column 54 (0-based: 54), or -1. */
static long column_of(const char *ref)
{
    long col = 0;
    const char *p = ref;
    for (; *p >= 'A' && *p <= 'Z'; p++) {
        col = col * 26 + (*p - 'A' + 1);
        if (col > XLSX_MAX_COLUMNS)
            return -1;
    }
    if (p == ref || !(*p >= '0' && *p <= '9'))
        return -1;
    return col - 1;
}

static int parse_size(const char *s, size_t max, size_t *out)
{
    size_t v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > max / 10)
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static void stop(xlsx_reader *x)
{
    XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xlsx_reader *x = ud;
    const char *l = local_name(name);
    if (strcmp(l, "row") == 0) {
        const char *r = attr(atts, "r", NULL);
        size_t n;
        if (r && (parse_size(r, 1u << 24, &n) != 0 || n == 0)) {
            fail(x, "工作表第 %zu 行之后的行号“%s”无效，文件已损坏", x->row_no, r);
            return stop(x);
        }
        x->row_no = r ? n : x->row_no + 1;
        x->next_col = 0;
        x->ncells = 0;
        x->max_col = 0;
        sb_reset(&x->text);
        sb_putc(&x->text, '\0');
    } else if (strcmp(l, "c") == 0) {
        const char *r = attr(atts, "r", NULL), *t = attr(atts, "t", NULL);
        long col = r ? column_of(r) : (long)x->next_col;
        if (col < 0 || col >= XLSX_MAX_COLUMNS) {
            fail(x, "工作表第 %zu 行的单元格位置“%s”无效", x->row_no, r ? r : "");
            return stop(x);
        }
        x->next_col = (size_t)col + 1;
        snprintf(x->cell_type, sizeof x->cell_type, "%s", t ? t : "n");
        sb_reset(&x->val);
        x->in_cell = 1;
    } else if (x->in_cell && strcmp(l, "v") == 0) {
        x->collecting = 1;
    } else if (x->in_cell && strcmp(l, "is") == 0) {
        x->in_is = 1;
    } else if (x->in_is && strcmp(l, "rPh") == 0) {
        x->in_rph = 1;
    } else if (x->in_is && !x->in_rph && strcmp(l, "t") == 0) {
        x->collecting = 1;
    }
}

/* The cell just closed, into the row (empty cells are left out). */
static void end_cell(xlsx_reader *x)
{
    const char *s = x->val.data ? x->val.data : "";
    size_t len = x->val.len;
    if (strcmp(x->cell_type, "s") == 0) {
        size_t i;
        if (parse_size(s, SIZE_MAX / 2, &i) != 0 || i >= x->sst_n) {
            fail(x, "工作表第 %zu 行引用了不存在的共享字符串“%s”，文件已损坏", x->row_no, s);
            return stop(x);
        }
        s = x->sst.data + x->sst_off[i];
        len = strlen(s);
    }
    if (!len)
        return;
    if (x->text.len + len + 1 > XLSX_MAX_ROW) {
        fail(x, "工作表第 %zu 行超过 %zu 字节，拒绝读取", x->row_no, XLSX_MAX_ROW);
        return stop(x);
    }
    if (x->ncells == x->cells_cap) {
        x->cells_cap = x->cells_cap ? x->cells_cap * 2 : 32;
        x->cells = xrealloc(x->cells, x->cells_cap * sizeof *x->cells);
    }
    size_t col = x->next_col - 1;
    x->cells[x->ncells++] = (cell){col, x->text.len};
    sb_append(&x->text, s, len);
    sb_putc(&x->text, '\0');
    if (col + 1 > x->max_col)
        x->max_col = col + 1;
}

/* The row just closed: its fields, then the parser pauses (a row with
 * no text is skipped, as CSV's blank lines are). */
static void end_row(xlsx_reader *x)
{
    if (!x->ncells)
        return;
    if (x->max_col > x->ptrs_cap) {
        x->ptrs_cap = x->max_col;
        x->ptrs = xrealloc(x->ptrs, x->ptrs_cap * sizeof *x->ptrs);
    }
    for (size_t i = 0; i < x->max_col; i++)
        x->ptrs[i] = x->text.data;        /* offset 0: "" */
    for (size_t i = 0; i < x->ncells; i++)
        x->ptrs[x->cells[i].col] = x->text.data + x->cells[i].off;
    x->nptrs = x->max_col;
    x->ready = 1;
    XML_StopParser(x->p, XML_TRUE);
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    xlsx_reader *x = ud;
    const char *l = local_name(name);
    if (strcmp(l, "row") == 0) {
        end_row(x);
    } else if (strcmp(l, "c") == 0) {
        x->in_cell = x->in_is = x->in_rph = x->collecting = 0;
        end_cell(x);
    } else if (strcmp(l, "v") == 0 || strcmp(l, "t") == 0) {
        x->collecting = 0;
    } else if (strcmp(l, "rPh") == 0) {
        x->in_rph = 0;
    } else if (strcmp(l, "is") == 0) {
        x->in_is = 0;
    }
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
    xlsx_reader *x = ud;
    if (!x->collecting)
        return;
    if (x->val.len + (size_t)len > XLSX_MAX_ROW) {
        fail(x, "工作表第 %zu 行的单元格超过 %zu 字节，拒绝读取", x->row_no, XLSX_MAX_ROW);
        return stop(x);
    }
    sb_append(&x->val, s, (size_t)len);
}

int xlsx_next(xlsx_reader *x, char ***fields, size_t *nfields)
{
    *fields = NULL;
    *nfields = 0;
    if (x->failed)
        return -1;
    x->ready = 0;
    for (;;) {
        enum XML_Status st;
        long n = -1;
        if (x->suspended) {
            x->suspended = 0;
            st = XML_ResumeParser(x->p);
        } else if (x->sheet_done) {
            return 0;
        } else {
            void *buf = XML_GetBuffer(x->p, (int)CHUNK);
            if (!buf)
                return fail(x, "内存不足");
            if ((n = part_read(x, &x->sheet, buf, CHUNK)) < 0)
                return -1;
            st = XML_ParseBuffer(x->p, (int)n, n == 0);
            if (n == 0)
                x->sheet_done = 1;
        }
        if (x->failed)
            return -1;
        if (st == XML_STATUS_ERROR)
            return fail(x, "工作表第 %lu 行（XML 文本行）格式错误，文件已损坏：%s",
                        (unsigned long)XML_GetCurrentLineNumber(x->p), XML_ErrorString(XML_GetErrorCode(x->p)));
        if (st == XML_STATUS_SUSPENDED)
            x->suspended = 1;
        if (x->ready) {
            *fields = x->ptrs;
            *nfields = x->nptrs;
            return 1;
        }
    }
}

/* ---- open / close ------------------------------------------------------------------- */

static xlsx_reader *reader_new(void)
{
    xlsx_reader *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    sb_init(&x->sst);
    sb_init(&x->val);
    sb_init(&x->text);
    return x;
}

/* With x->zip open: finds the first sheet, loads the shared strings and
 * starts the sheet's parser. */
static int start(xlsx_reader *x)
{
    zip_int64_t entries = zip_get_num_entries(x->zip, 0);
    if (entries < 0 || entries > MAX_ENTRIES)
        return fail(x, "压缩包内有 %lld 个文件，不像 Excel 工作簿，拒绝读取", (long long)entries);
    locate l;
    memset(&l, 0, sizeof l);
    if (zip_name_locate(x->zip, "xl/workbook.xml", 0) < 0)
        return fail(x, "文件是压缩包，但其中没有 xl/workbook.xml，不是 Excel 工作簿（.xlsx）");
    if (parse_locate(x, &l, "xl/workbook.xml", "工作簿目录", wb_start) != 0)
        return -1;
    if (!l.sheet_rid[0])
        return fail(x, "工作簿中没有工作表");
    if (parse_locate(x, &l, "xl/_rels/workbook.xml.rels", "工作簿关系表", rels_start) != 0)
        return -1;
    if (!l.sheet_path[0])
        return fail(x, "工作簿的第一个工作表（%s）在关系表中没有对应的文件，文件已损坏", l.sheet_name);
    if (l.sst_path[0] &&
        parse_with(x, parser_new(x, sst_start, sst_end, sst_text), l.sst_path, "共享字符串", XLSX_MAX_STRINGS) != 0)
        return -1;
    x->in_cell = x->in_rph = x->collecting = 0;
    if (part_open(x, l.sheet_path, "工作表", XLSX_MAX_SHEET, &x->sheet) != 0)
        return -1;
    x->p = parser_new(x, sheet_start, sheet_end, sheet_text);
    return x->p ? 0 : fail(x, "内存不足");
}

static xlsx_reader *finish_open(xlsx_reader *x, char *err, size_t errsz)
{
    if (start(x) == 0)
        return x;
    snprintf(err, errsz, "%s", x->err);
    utf8_trim_partial(err);
    xlsx_close(x);
    return NULL;
}

static const char NOT_XLSX[] = "文件不是有效的 Excel 工作簿（.xlsx）：压缩包已损坏或不完整";

xlsx_reader *xlsx_open_file(const char *path, char *err, size_t errsz)
{
    int code = 0;
    xlsx_reader *x = reader_new();
    if (!x) {
        snprintf(err, errsz, "内存不足");
        return NULL;
    }
    x->zip = zip_open(path, ZIP_RDONLY, &code);
    if (!x->zip) {
        if (code == ZIP_ER_NOENT || code == ZIP_ER_OPEN || code == ZIP_ER_READ)
            snprintf(err, errsz, "无法打开文件 %s", path);
        else
            snprintf(err, errsz, "%s", NOT_XLSX);
        utf8_trim_partial(err);
        xlsx_close(x);
        return NULL;
    }
    return finish_open(x, err, errsz);
}

xlsx_reader *xlsx_open_memory(const void *data, size_t len, char *err, size_t errsz)
{
    zip_error_t ze;
    if (!xlsx_looks_like_zip(data, len)) {
        snprintf(err, errsz, "%s", NOT_XLSX);
        return NULL;
    }
    xlsx_reader *x = reader_new();
    if (!x) {
        snprintf(err, errsz, "内存不足");
        return NULL;
    }
    zip_error_init(&ze);
    x->src = zip_source_buffer_create(data, len, 0, &ze);
    if (x->src)
        x->zip = zip_open_from_source(x->src, ZIP_RDONLY, &ze);
    zip_error_fini(&ze);
    if (!x->zip) {
        snprintf(err, errsz, "%s", NOT_XLSX);
        xlsx_close(x);
        return NULL;
    }
    x->src = NULL;                        /* the archive owns it now */
    return finish_open(x, err, errsz);
}

size_t xlsx_row(const xlsx_reader *x)
{
    return x->row_no;
}

size_t xlsx_bytes_read(const xlsx_reader *x)
{
    return x->sheet.read;
}

size_t xlsx_bytes_total(const xlsx_reader *x)
{
    return x->sheet.size;
}

const char *xlsx_error(const xlsx_reader *x)
{
    return x->err;
}

void xlsx_close(xlsx_reader *x)
{
    if (!x)
        return;
    if (x->p)
        XML_ParserFree(x->p);
    part_close(&x->sheet);
    if (x->zip)
        zip_discard(x->zip);
    if (x->src)
        zip_source_free(x->src);
    sb_free(&x->sst);
    sb_free(&x->val);
    sb_free(&x->text);
    free(x->sst_off);
    free(x->cells);
    free(x->ptrs);
    free(x);
}

int xlsx_looks_like_zip(const void *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

/* ---- CSV or .xlsx --------------------------------------------------------------------- */

/* A row as a CSV's: at least as wide as the first one (the header).
 * Excel leaves out the empty cells at the end of a row where a CSV has
 * empty fields, and the imports take a short row for a broken line. */
static int rows_next(void *ctx, char ***fields, size_t *nfields, size_t *line)
{
    xlsx_reader *x = ctx;
    int rc = xlsx_next(x, fields, nfields);
    *line = xlsx_row(x);
    if (rc != 1)
        return rc;
    if (!x->width)
        x->width = *nfields;
    if (*nfields < x->width) {
        if (x->width > x->ptrs_cap) {
            x->ptrs_cap = x->width;
            x->ptrs = xrealloc(x->ptrs, x->ptrs_cap * sizeof *x->ptrs);
        }
        for (size_t i = *nfields; i < x->width; i++)
            x->ptrs[i] = x->text.data;    /* offset 0: "" */
        *fields = x->ptrs;
        *nfields = x->width;
    }
    return 1;
}

static size_t rows_bytes(const void *ctx)
{
    return xlsx_bytes_read(ctx);
}

static const char *rows_error(const void *ctx)
{
    return xlsx_error(ctx);
}

static void rows_close(void *ctx)
{
    xlsx_close(ctx);
}

static const csvr_rows XLSX_ROWS = {rows_next, rows_bytes, rows_error, rows_close};

static csvr *as_csvr(xlsx_reader *x, char *err, size_t errsz)
{
    if (!x)
        return NULL;
    csvr *r = csvr_open_rows(&XLSX_ROWS, x, xlsx_bytes_total(x));
    if (!r)
        snprintf(err, errsz, "内存不足");
    return r;
}

/* The first bytes of an OLE2 compound file: .xls, or an .xlsx with a password. */
static int looks_like_ole(const void *data, size_t len)
{
    return len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0;
}

static const char OLD_XLS[] =
    "这是 .xls（Excel 97-2003）或设了打开密码的工作簿，无法读取：请在 Excel 中另存为 .xlsx（不设密码）或 CSV UTF-8";

csvr *table_open_file(const char *path, csvr_encoding enc, char *err, size_t errsz)
{
    unsigned char head[8];
    size_t n = 0;
    FILE *fp = path ? fopen(path, "rb") : NULL;
    if (fp) {
        n = fread(head, 1, sizeof head, fp);
        fclose(fp);
    }
    if (looks_like_ole(head, n)) {
        snprintf(err, errsz, "%s", OLD_XLS);
        return NULL;
    }
    if (xlsx_looks_like_zip(head, n))
        return as_csvr(xlsx_open_file(path, err, errsz), err, errsz);
    return csvr_open_file(path, enc, err, errsz);
}

csvr *table_open_memory(const char *data, size_t len, csvr_encoding enc, char *err, size_t errsz)
{
    if (looks_like_ole(data, len)) {
        snprintf(err, errsz, "%s", OLD_XLS);
        return NULL;
    }
    if (xlsx_looks_like_zip(data, len))
        return as_csvr(xlsx_open_memory(data, len, err, errsz), err, errsz);
    return csvr_open_memory(data, len, enc, err, errsz);
}

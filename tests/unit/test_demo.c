/* test_demo.c — the demo street generator: shape of the org tree,
 * validity of every generated record, special groups, determinism,
 * refusal to build into a database that already has units, and the demo
 * district (streets > 1): its streets, their accounts, street 1 the same
 * as the one-street demo; every street, community and grid with a valid
 * boundary (the shapes themselves: test_demo_geo.c), the same for the
 * same seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo/demo.h"
#include "registry/counts.h"
#include "registry/org.h"
#include "registry/registry.h"
#include "registry/resident.h"
#include "core/keys.h"
#include "storage/db.h"
#include "util/gbt2260.h"
#include "util/idcard.h"

#define TODAY 20260301
#define SEED 20260301ULL
#define HOUSEHOLDS 2000

static char tmpdir[256];
static db_conn *main_db;          /* the 2,000-household street, built once */
static demo_summary main_sum;

static db_conn *open_db(const char *name)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s.db", tmpdir, name);
    db_conn *db = db_open(path, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(db_migrate(db, err, sizeof err), 0);
    return db;
}

static int64_t count(db_conn *db, const char *sql)
{
    db_stmt *s = db_prepare(db, sql);
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    int64_t n = db_col_int(s, 0);
    db_finalize(s);
    return n;
}

static int tag_index(const char *code)
{
    for (int i = 0; resident_tag_codes[i]; i++)
        if (strcmp(resident_tag_codes[i], code) == 0)
            return i;
    fail_msg("unknown tag %s", code);
    return -1;
}

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    keys_load_ephemeral();   /* ID numbers, phones and disability are stored encrypted */
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ms_test_demo_XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/main.db", tmpdir);
    main_db = db_open(path, err, sizeof err);
    if (!main_db || db_migrate(main_db, err, sizeof err) != 0)
        return -1;
    demo_options o = {SEED, HOUSEHOLDS, TODAY, 1};
    if (demo_build(main_db, &o, &main_sum, err, sizeof err) != 0) {
        fprintf(stderr, "demo_build: %s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    db_close(main_db);
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char path[600];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

static void test_org_tree(void **state)
{
    (void)state;
    db_conn *db = main_db;
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'street' AND code = '371702001'"), 1);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'community'"), 33);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'grid'"), 131);
    assert_int_equal(count(db, "SELECT COUNT(DISTINCT name) FROM org_unit WHERE kind = 'community'"), 33);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'community'"
                               " AND code BETWEEN '371702001001' AND '371702001033' AND length(code) = 12"), 33);
    /* 32 communities with 4 grids, one with 3; grid codes = community code + "-NN". */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM (SELECT parent_id, COUNT(*) n FROM org_unit"
                               " WHERE kind = 'grid' GROUP BY parent_id) WHERE n = 4"), 32);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit g JOIN org_unit c ON c.id = g.parent_id"
                               " WHERE g.kind = 'grid' AND g.code LIKE c.code || '-__' AND g.name LIKE '第%网格'"
                               " AND g.leader_name <> '' AND g.leader_phone IS NULL AND g.leader_phone_enc LIKE 'e1:%'"), 131);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'community' AND leader_name <> ''"), 33);
    /* 12 to 20 buildings per grid, each with a 楼长. */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM (SELECT parent_id, COUNT(*) n FROM org_unit"
                               " WHERE kind = 'building' GROUP BY parent_id) WHERE n BETWEEN 12 AND 20"), 131);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit b JOIN org_unit g ON g.id = b.parent_id"
                               " WHERE b.kind = 'building' AND b.code LIKE g.code || '-B__'"
                               " AND b.name LIKE '%号楼' AND b.leader_name <> '' AND b.leader_phone_enc IS NOT NULL"),
                     main_sum.buildings);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'building'"), main_sum.buildings);
    assert_int_equal(main_sum.communities, 33);
    assert_int_equal(main_sum.grids, 131);
}

static void test_households(void **state)
{
    (void)state;
    db_conn *db = main_db;
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household"), HOUSEHOLDS);
    /* the summary counts the active registry: closed households apart */
    assert_int_equal(main_sum.households + main_sum.closed_households, HOUSEHOLDS);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household WHERE status = 'active'"), main_sum.households);
    /* Every household has a head, who is one of its members, related as 户主. */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household h JOIN resident r ON r.id = h.head_resident_id"
                               " AND r.household_id = h.id AND r.relation = '户主'"), HOUSEHOLDS);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident WHERE relation = '户主'"), HOUSEHOLDS);
    /* Codes follow the grid; buildings lie in the household's grid; residents carry the grid. */
    /* (a household that moved to another grid is renumbered there; its old number is kept as a former one) */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household h JOIN org_unit g ON g.id = h.grid_id"
                               " WHERE h.code LIKE g.code || '-____'"), HOUSEHOLDS);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household_former_code"), main_sum.household_moves);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household h JOIN org_unit b ON b.id = h.building_id"
                               " WHERE b.parent_id = h.grid_id AND h.address LIKE '菏泽市牡丹区%' || b.name || '%单元%室'"),
                     HOUSEHOLDS);
    /* (the dead and departed stay where they were when a household moves on) */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident r JOIN household h ON h.id = r.household_id"
                               " WHERE r.grid_id <> h.grid_id AND r.status = 'active'"), 0);
    assert_int_equal(count(db, "SELECT COUNT(*) - COUNT(DISTINCT address) FROM household"), 0);
    /* About 2.4 people per household. */
    int64_t residents = count(db, "SELECT COUNT(*) FROM resident");
    assert_int_equal(residents, main_sum.residents + main_sum.deceased + main_sum.moved_out);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident WHERE status = 'active'"), main_sum.residents);
    assert_in_range(residents, HOUSEHOLDS * 21 / 10, HOUSEHOLDS * 28 / 10);
}

static void test_residents_valid(void **state)
{
    (void)state;
    db_conn *db = main_db;
    db_stmt *s = db_prepare(db, RESIDENT_SELECT);   /* decrypted by resident_from_row */
    assert_non_null(s);
    long n = 0, local = 0;
    resident r;
    while (db_step(s) == DB_ROW) {
        resident_from_row(s, &r);
        const char *id = r.id_number;
        idcard_info info;
        idcard_status st = idcard_validate(id, TODAY, &info);
        if (st != IDCARD_OK)
            fail_msg("invalid ID number %s: %s", id, idcard_status_message(st));
        assert_int_equal(info.sex, r.sex[0]);
        assert_string_equal(info.birth_date, r.birth_date);
        assert_true(strlen(r.name) >= 6);   /* two CJK characters at least */
        assert_true((r.disability_type[0] != '\0') == (r.disability_grade != 0));
        const char *phone = r.phone;
        if (*phone)
            assert_true(strlen(phone) == 11 && phone[0] == '1');
        if (strncmp(id, "371702", 6) == 0)
            local++;
        n++;
    }
    db_finalize(s);
    assert_int_equal(n, main_sum.residents + main_sum.deceased + main_sum.moved_out);
    assert_true(local * 2 > n);   /* most are registered in 牡丹区 */
    assert_int_equal(count(db, "SELECT COUNT(DISTINCT id_number_bidx) FROM resident"), n);
    assert_int_equal(count(db, "SELECT COUNT(phone_bidx) - COUNT(DISTINCT phone_bidx) FROM resident"), 0);
    /* Residence status: mostly 户籍, some 流动 and 常住. */
    int64_t floating = count(db, "SELECT COUNT(*) FROM resident WHERE residence_status = '流动'");
    int64_t settled = count(db, "SELECT COUNT(*) FROM resident WHERE residence_status = '常住'");
    assert_in_range(floating * 100 / n, 4, 14);
    assert_in_range(settled * 100 / n, 5, 16);
    /* Employment agrees with age. */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident WHERE employment = '学龄前'"
                               " AND birth_date < '2019-01-01'"), 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident WHERE employment = '退休'"
                               " AND birth_date > '1980-01-01'"), 0);
    /* nothing sensitive in clear: the disability columns stay empty */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident WHERE disability_type IS NOT NULL OR disability_grade IS NOT NULL"), 0);
}

/* Every region the demo's ID numbers may carry is a GB/T 2260 code of
 * the shipped list (data/gbt2260.txt): the demo makes only valid data. */
static void test_regions_in_gbt2260(void **state)
{
    (void)state;
    const demo_region *lists[] = {demo_regions_heze, demo_regions_shandong, demo_regions_other};
    int n = 0;
    for (size_t l = 0; l < 3; l++)
        for (const demo_region *r = lists[l]; r->code; r++, n++)
            if (!gbt2260_exists(atoi(r->code)))
                fail_msg("demo region %s %s is not in GB/T 2260", r->code, r->name);
    assert_true(n > 10);
    assert_true(gbt2260_exists(371702));   /* HERE_REGION, 牡丹区 */
}

static void test_relations_ages(void **state)
{
    (void)state;
    db_conn *db = main_db;
    /* Children are at least 18 years younger than the head or spouse who
     * could be their parent, parents at least 18 years older. */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident c JOIN household h ON h.id = c.household_id"
                               " JOIN resident p ON p.id = h.head_resident_id"
                               " WHERE c.relation IN ('子','女') AND c.birth_date < date(p.birth_date, '+18 years')"), 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident c JOIN household h ON h.id = c.household_id"
                               " JOIN resident p ON p.id = h.head_resident_id"
                               " WHERE c.relation IN ('父亲','母亲') AND c.birth_date > date(p.birth_date, '-18 years')"), 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident c JOIN household h ON h.id = c.household_id"
                               " JOIN resident p ON p.id = h.head_resident_id"
                               " WHERE c.relation IN ('孙子','孙女','外孙子女') AND c.birth_date < date(p.birth_date, '+36 years')"), 0);
    /* Spouses have opposite sexes and both are adults. */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident c JOIN household h ON h.id = c.household_id"
                               " JOIN resident p ON p.id = h.head_resident_id"
                               " WHERE c.relation = '配偶' AND (c.sex = p.sex OR c.birth_date > '2008-03-01')"), 0);
}

static void test_special_groups(void **state)
{
    (void)state;
    db_conn *db = main_db;
    const long n = main_sum.residents;

    /* 低保: 1,293 people in 726 households per 50,000 → about 52 / 29 here. */
    int64_t dibao = count(db, "SELECT COUNT(*) FROM resident_tag WHERE tag = 'dibao'");
    int64_t dibao_hh = count(db, "SELECT COUNT(DISTINCT r.household_id) FROM resident r"
                                 " JOIN resident_tag t ON t.resident_id = r.id AND t.tag = 'dibao'");
    assert_in_range(dibao, 20, 110);
    assert_in_range(dibao_hh, 10, 60);
    assert_int_equal(main_sum.tag_counts[tag_index("dibao")], dibao);
    /* The whole household is on 低保, not single members. */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident r WHERE r.household_id IN"
                               " (SELECT r2.household_id FROM resident r2 JOIN resident_tag t"
                               "  ON t.resident_id = r2.id AND t.tag = 'dibao')"
                               " AND NOT EXISTS (SELECT 1 FROM resident_tag t WHERE t.resident_id = r.id AND t.tag = 'dibao')"), 0);
    /* 特困 and 低保 exclude each other. */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident_tag a JOIN resident_tag b"
                               " ON a.resident_id = b.resident_id WHERE a.tag = 'dibao' AND b.tag = 'tekun'"), 0);

    /* 高龄 is exactly everyone 70 or older (registry/derived.h); 独居 only on the elderly living alone. */
    db_stmt *s = db_prepare(db, "SELECT r.id_number_enc,"
                                " EXISTS (SELECT 1 FROM resident_tag t WHERE t.resident_id = r.id AND t.tag = 'elderly'),"
                                " EXISTS (SELECT 1 FROM resident_tag t WHERE t.resident_id = r.id AND t.tag = 'living_alone'),"
                                " (SELECT COUNT(*) FROM resident m WHERE m.household_id = r.household_id), r.id,"
                                " r.status = 'active', r.status = 'deceased', r.status_date FROM resident r");
    assert_non_null(s);
    long aged60 = 0, aged70 = 0, aged80 = 0, active70 = 0;
    resident dec;
    while (db_step(s) == DB_ROW) {
        idcard_info info;
        resident_decrypt_values(db_col_int(s, 4), db_col_text(s, 0), NULL, NULL, &dec);
        assert_int_equal(idcard_validate(dec.id_number, TODAY, &info), IDCARD_OK);
        /* age stops at death (registry/derived.h): the deceased by their date of death */
        int on = TODAY;
        if (db_col_int(s, 6) && db_col_text(s, 7)) {
            const char *d = db_col_text(s, 7);   /* YYYY-MM-DD */
            on = atoi(d) * 10000 + atoi(d + 5) * 100 + atoi(d + 8);
        }
        int age = idcard_age_on(&info, on);
        int elderly = (int)db_col_int(s, 1), alone = (int)db_col_int(s, 2), members = (int)db_col_int(s, 3);
        if ((age >= 70) != elderly)
            fail_msg("%s aged %d: elderly tag %d", dec.id_number, age, elderly);
        if (alone && (age < 60 || members != 1))
            fail_msg("%s aged %d in a household of %d tagged living_alone", dec.id_number, age, members);
        aged60 += age >= 60;
        aged70 += age >= 70;
        aged80 += age >= 80;
        active70 += age >= 70 && db_col_int(s, 5);
    }
    db_finalize(s);
    assert_int_equal(main_sum.tag_counts[tag_index("elderly")], active70);
    assert_in_range(aged60 * 100 / n, 14, 25);   /* ~19% */
    assert_in_range(aged80 * 1000 / n, 12, 40);  /* ~2.5% */

    int64_t disabled = count(db, "SELECT COUNT(*) FROM resident WHERE disability_enc IS NOT NULL");
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident_tag WHERE tag = 'disabled'"), disabled);
    assert_in_range(disabled * 1000 / n, 35, 80);   /* ~5.5% */
    int64_t party = count(db, "SELECT COUNT(*) FROM resident WHERE party_member = 1");
    assert_in_range(party * 1000 / n, 30, 110);

    /* The summary matches the database's active residents for every tag. */
    for (int i = 0; resident_tag_codes[i]; i++) {
        db_stmt *q = db_prepare(db, "SELECT COUNT(*) FROM resident_tag t JOIN resident r ON r.id = t.resident_id"
                                    " AND r.status = 'active' WHERE t.tag = ?");
        db_bind_text(q, 1, resident_tag_codes[i]);
        assert_int_equal(db_step(q), DB_ROW);
        assert_int_equal(db_col_int(q, 0), main_sum.tag_counts[i]);
        db_finalize(q);
    }
}

/* All ID numbers, names and addresses in insertion order, as one string. */
static char *fingerprint(db_conn *db)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    /* the blind index: equal ID numbers under the one (ephemeral) key */
    db_stmt *s = db_prepare(db, "SELECT r.id_number_bidx, r.name, h.address FROM resident r"
                                " JOIN household h ON h.id = r.household_id ORDER BY r.id");
    assert_non_null(s);
    while (db_step(s) == DB_ROW) {
        char line[512];
        int k = snprintf(line, sizeof line, "%s %s %s\n", db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2));
        while (len + (size_t)k + 1 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        memcpy(out + len, line, (size_t)k + 1);
        len += (size_t)k;
    }
    db_finalize(s);
    return out;
}

/* The street has a history: deaths, departures, closed households and
 * moves, dated within the last three years and after each birth, with
 * their history rows, every household still headed, the maintained
 * counts right. */
static void test_history(void **state)
{
    (void)state;
    db_conn *db = main_db;
    /* a few of each on 2,000 households (hundreds on the 50,000 of the real demo) */
    assert_in_range(main_sum.deceased, 5, 60);
    assert_in_range(main_sum.moved_out, 5, 60);
    assert_in_range(main_sum.closed_households, 1, 20);
    assert_in_range(main_sum.household_moves, 1, 20);
    assert_in_range(main_sum.resident_moves, 1, 20);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident WHERE status = 'deceased'"), main_sum.deceased);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident WHERE status = 'moved_out'"), main_sum.moved_out);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household WHERE status = 'closed'"), main_sum.closed_households);
    /* each with its history row, on its status date: after the birth, not after today, within three years */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident r JOIN registry_event e ON e.entity = 'resident'"
                               " AND e.entity_id = r.id AND e.kind = r.status AND e.event_date = r.status_date"
                               " WHERE r.status <> 'active'"), main_sum.deceased + main_sum.moved_out);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident WHERE status <> 'active' AND (status_date <= birth_date"
                               " OR status_date >= '2026-03-01' OR status_date < '2023-03-01')"), 0);
    /* a closed household: every member left with it, on its date */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household h JOIN registry_event e ON e.entity = 'household'"
                               " AND e.entity_id = h.id AND e.kind = 'closed' WHERE h.status = 'closed'"),
                     main_sum.closed_households);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident r JOIN household h ON h.id = r.household_id"
                               " WHERE h.status = 'closed' AND r.status = 'active'"), 0);
    /* only members other than the head die or leave alone: every active household keeps its 户主 */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household h JOIN resident r ON r.id = h.head_resident_id"
                               " WHERE h.status = 'active' AND r.status = 'active' AND r.relation = '户主'"),
                     main_sum.households);
    /* moves: to another grid, households with their members, people into another household */
    assert_int_equal(count(db, "SELECT COUNT(*) FROM registry_event WHERE entity = 'household' AND kind = 'moved'"
                               " AND from_grid_id <> to_grid_id"), main_sum.household_moves);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM registry_event WHERE entity = 'resident' AND kind = 'moved'"
                               " AND to_household_id IS NOT NULL AND from_household_id <> to_household_id"),
                     main_sum.resident_moves);
    assert_true(count(db, "SELECT COUNT(*) FROM registry_event e JOIN org_unit f ON f.id = e.from_grid_id"
                          " JOIN org_unit t ON t.id = e.to_grid_id WHERE e.kind = 'moved'"
                          " AND f.parent_id <> t.parent_id") > 0);   /* some to another community */
    /* the dead are mostly old */
    assert_true(count(db, "SELECT COUNT(*) FROM resident WHERE status = 'deceased' AND birth_date < '1956-03-01'") * 2 >
                main_sum.deceased);
    /* and the maintained counts agree with a recount */
    assert_int_equal(counts_check(db, 0, NULL, NULL), 0);
}

/* "code=geometry;…" of the units of `kind` whose code starts with prefix (malloc'd). */
static char *boundaries_text(db_conn *db, const char *kind, const char *prefix)
{
    db_stmt *s = db_prepare(db, "SELECT group_concat(x, ';') FROM (SELECT code || '=' || geometry AS x FROM org_unit"
                                " WHERE kind = ? AND substr(code, 1, length(?2)) = ?2 ORDER BY code) AS b");
    db_bind_text(s, 1, kind);
    db_bind_text(s, 2, prefix);
    assert_int_equal(db_step(s), DB_ROW);
    char *t = strdup(db_col_text(s, 0) ? db_col_text(s, 0) : "");
    db_finalize(s);
    return t;
}

/* Every street, community and grid of db has a boundary org.c accepts
 * as it is stored; buildings have none. */
static void assert_boundaries(db_conn *db)
{
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind IN ('street', 'community', 'grid')"
                               " AND geometry IS NULL"), 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'building' AND geometry IS NOT NULL"), 0);
    db_stmt *s = db_prepare(db, "SELECT code, geometry FROM org_unit WHERE geometry IS NOT NULL");
    int n = 0;
    while (db_step(s) == DB_ROW) {
        char *canon = NULL;
        ms_err err;
        if (org_check_geometry(db_col_text(s, 1), &canon, &err) != 0)
            fail_msg("%s: %s", db_col_text(s, 0), err.message);
        assert_non_null(canon);
        free(canon);
        n++;
    }
    db_finalize(s);
    assert_true(n >= 1 + 33 + 131);
}

static void test_boundaries(void **state)
{
    (void)state;
    assert_boundaries(main_db);
    assert_int_equal(count(main_db, "SELECT COUNT(*) FROM org_unit WHERE kind IN ('street', 'community', 'grid')"
                                    " AND geometry LIKE '{\"type\":\"Polygon\",\"coordinates\":[[[115.4%'"), 1 + 33 + 131);
}

static void test_deterministic(void **state)
{
    (void)state;
    char err[256];
    demo_options o = {7, 300, TODAY, 1};
    db_conn *a = open_db("det_a"), *b = open_db("det_b"), *c = open_db("det_c");
    demo_summary sa, sb;
    assert_int_equal(demo_build(a, &o, &sa, err, sizeof err), 0);
    assert_int_equal(demo_build(b, &o, &sb, err, sizeof err), 0);
    o.seed = 8;
    assert_int_equal(demo_build(c, &o, NULL, err, sizeof err), 0);
    assert_memory_equal(&sa, &sb, sizeof sa);
    char *fa = fingerprint(a), *fb = fingerprint(b), *fc = fingerprint(c);
    assert_true(strlen(fa) > 0);
    assert_string_equal(fa, fb);
    assert_string_not_equal(fa, fc);
    char *ga = boundaries_text(a, "grid", ""), *gb = boundaries_text(b, "grid", ""), *gc = boundaries_text(c, "grid", "");
    assert_true(strlen(ga) > 131 * 100);
    assert_string_equal(ga, gb);
    assert_string_not_equal(ga, gc);
    free(ga);
    free(gb);
    free(gc);
    /* The ID numbers themselves differ with the seed, not just the order. */
    assert_true(strncmp(fa, fc, 18) != 0);
    free(fa);
    free(fb);
    free(fc);
    db_close(a);
    db_close(b);
    db_close(c);
}

static void test_refuses_existing_units(void **state)
{
    (void)state;
    char err[256] = "";
    demo_options o = {1, 10, TODAY, 1};
    int64_t units = count(main_db, "SELECT COUNT(*) FROM org_unit");
    assert_int_equal(demo_build(main_db, &o, NULL, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    assert_int_equal(count(main_db, "SELECT COUNT(*) FROM org_unit"), units);
    assert_int_equal(count(main_db, "SELECT COUNT(*) FROM household"), HOUSEHOLDS);

    /* A database with only a street of its own is refused too, untouched. */
    db_conn *db = open_db("street_only");
    ms_err oerr;
    assert_true(org_create(db, 0, "street", "370102001", "泉城路街道", NULL, NULL, &oerr) > 0);
    err[0] = '\0';
    assert_int_equal(demo_build(db, &o, NULL, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit"), 1);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM resident"), 0);
    db_close(db);
}

static void test_bad_options(void **state)
{
    (void)state;
    char err[256] = "";
    db_conn *db = open_db("bad_options");
    demo_options o = {1, DEMO_MAX_HOUSEHOLDS + 1, TODAY, 1};
    assert_int_equal(demo_build(db, &o, NULL, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    o.households = 10;
    o.today_ymd = 20260231;
    err[0] = '\0';
    assert_int_equal(demo_build(db, &o, NULL, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit"), 0);
    db_close(db);
}

static void test_tree_only_and_accounts(void **state)
{
    (void)state;
    char err[256];
    demo_options o = {3, 0, TODAY, 1};
    demo_summary sum;
    db_conn *db = open_db("accounts");
    assert_int_equal(demo_build(db, &o, &sum, err, sizeof err), 0);
    assert_int_equal(sum.households, 0);
    assert_int_equal(sum.residents, 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM org_unit WHERE kind = 'grid'"), 131);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM household"), 0);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    int rc = demo_create_accounts(db, 1, out, err, sizeof err);
    fclose(out);
    if (rc != 0)
        fail_msg("demo_create_accounts: %s", err);
    assert_non_null(strstr(text, DEMO_PASSWORD));
    assert_non_null(strstr(text, "wangge0101"));
    assert_non_null(strstr(text, "shequ02"));
    free(text);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM app_user"), 11);   /* with fuhe, the second street account */
    assert_int_equal(count(db, "SELECT COUNT(DISTINCT role) FROM app_user"), 7);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
                               " WHERE u.username = 'wangge0102' AND o.code = '371702001001-02' AND u.role = 'grid'"), 1);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
                               " WHERE u.username = 'shequ01' AND o.code = '371702001001' AND u.role = 'community'"), 1);
    /* Second run: the names are taken; nothing half-created. */
    err[0] = '\0';
    assert_int_equal(demo_create_accounts(db, 1, NULL, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    assert_int_equal(count(db, "SELECT COUNT(*) FROM app_user"), 11);   /* with fuhe, the second street account */
    db_close(db);
}

/* The residents (name, birth date, grid code after the street's) of the
 * street whose code is `street`, in id order. */
static char *street_text(db_conn *db, const char *street)
{
    db_stmt *s = db_prepare(db, "SELECT group_concat(x, ';') FROM (SELECT r.name || r.birth_date"
                                " || substr(g.code, 10) AS x FROM resident r JOIN org_unit g ON g.id = r.grid_id"
                                " WHERE substr(g.code, 1, 9) = ? ORDER BY r.id) AS one_street");
    db_bind_text(s, 1, street);
    assert_int_equal(db_step(s), DB_ROW);
    char *t = strdup(db_col_text(s, 0));
    db_finalize(s);
    return t;
}

static int64_t account_at(db_conn *db, const char *username, const char *role_s, const char *code)
{
    db_stmt *s = db_prepare(db, "SELECT COUNT(*) FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
                                " WHERE u.username = ? AND u.role = ? AND o.code = ?");
    db_bind_text(s, 1, username);
    db_bind_text(s, 2, role_s);
    db_bind_text(s, 3, code);
    assert_int_equal(db_step(s), DB_ROW);
    int64_t n = db_col_int(s, 0);
    db_finalize(s);
    return n;
}

static void test_district_streets(void **state)
{
    (void)state;
    char err[256];
    demo_options one = {7, 120, TODAY, 1}, three = {7, 120, TODAY, 3};
    demo_summary s1, s3;
    db_conn *a = open_db("district_one"), *d = open_db("district_three");
    assert_int_equal(demo_build(a, &one, &s1, err, sizeof err), 0);
    if (demo_build(d, &three, &s3, err, sizeof err) != 0)
        fail_msg("demo_build --streets 3: %s", err);
    /* one street: the root, no district */
    assert_int_equal(s1.streets, 1);
    assert_int_equal(count(a, "SELECT COUNT(*) FROM org_unit WHERE kind = 'district'"), 0);
    assert_int_equal(count(a, "SELECT COUNT(*) FROM org_unit WHERE kind = 'street' AND parent_id IS NULL"), 1);
    /* three: the district 371702 and its streets, distinct codes and names */
    assert_int_equal(s3.streets, 3);
    assert_int_equal(s3.households + s3.closed_households, 3 * 120);
    assert_int_equal(s3.grids, 3 * 131);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM org_unit WHERE kind = 'district' AND code = '371702'"
                              " AND parent_id IS NULL AND path = '/'"), 1);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM org_unit s JOIN org_unit p ON p.id = s.parent_id"
                              " WHERE s.kind = 'street' AND p.kind = 'district'"), 3);
    assert_int_equal(count(d, "SELECT COUNT(DISTINCT name) FROM org_unit WHERE kind = 'street'"), 3);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM org_unit WHERE code IN ('371702001', '371702002', '371702003')"
                              " AND kind = 'street'"), 3);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM org_unit WHERE code = '371702003033-03' AND kind = 'grid'"), 1);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM household h JOIN org_unit g ON g.id = h.grid_id"
                              " WHERE g.code LIKE '371702002%'"), 120);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM resident"), s3.residents + s3.deceased + s3.moved_out);
    /* street 1 is the one-street demo's street; the others are not copies of it */
    char *ta = street_text(a, "371702001"), *td = street_text(d, "371702001"), *t2 = street_text(d, "371702002");
    assert_true(strlen(ta) > 100);
    assert_string_equal(ta, td);
    assert_string_not_equal(t2, ta);
    free(ta);
    free(td);
    free(t2);
    /* boundaries: street 1 where the one street is; the district the MultiPolygon of its streets */
    assert_boundaries(d);
    ta = boundaries_text(a, "community", "371702001");
    td = boundaries_text(d, "community", "371702001");
    t2 = boundaries_text(d, "community", "371702002");
    assert_string_equal(ta, td);
    assert_string_not_equal(strchr(t2, '='), strchr(ta, '='));
    free(ta);
    free(td);
    free(t2);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM org_unit WHERE kind = 'district'"
                              " AND geometry LIKE '{\"type\":\"MultiPolygon\"%'"), 1);
    /* the accounts: district level and per street */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    int rc = demo_create_accounts(d, 3, out, err, sizeof err);
    fclose(out);
    if (rc != 0)
        fail_msg("demo_create_accounts: %s", err);
    assert_non_null(strstr(text, "wangge030201"));
    free(text);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM app_user"), 5 + 3 * 6);
    assert_int_equal(account_at(d, "qu", "street", "371702"), 1);
    assert_int_equal(account_at(d, "admin", "admin", "371702"), 1);
    assert_int_equal(account_at(d, "anquan", "secadmin", "371702"), 1);
    assert_int_equal(account_at(d, "auditor", "auditor", "371702"), 1);
    assert_int_equal(account_at(d, "bumen", "viewer", "371702"), 1);
    assert_int_equal(account_at(d, "jiedao01", "street", "371702001"), 1);
    assert_int_equal(account_at(d, "jiedao03", "street", "371702003"), 1);
    assert_int_equal(account_at(d, "shequ0202", "community", "371702002002"), 1);
    assert_int_equal(account_at(d, "wangge030102", "grid", "371702003001-02"), 1);
    assert_int_equal(count(d, "SELECT COUNT(*) FROM app_user WHERE username = 'jiedao'"), 0);
    /* too many streets: refused, nothing written */
    db_conn *x = open_db("district_many");
    demo_options many = {7, 1, TODAY, DEMO_MAX_STREETS + 1};
    err[0] = '\0';
    assert_int_equal(demo_build(x, &many, NULL, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    assert_int_equal(count(x, "SELECT COUNT(*) FROM org_unit"), 0);
    db_close(x);
    db_close(a);
    db_close(d);
}

static char *tree_text(db_conn *db)
{
    db_stmt *s = db_prepare(db, "SELECT group_concat(code || '|' || name || '|' || COALESCE(leader_name, ''), ';')"
                                " FROM (SELECT * FROM org_unit ORDER BY code)");
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    char *t = strdup(db_col_text(s, 0));
    db_finalize(s);
    return t;
}

/* The org tree must not depend on the number of households: a tree-only
 * database has to accept the CSV export of a populated one. */
static void test_tree_independent_of_households(void **state)
{
    (void)state;
    char err[256];
    demo_options o = {SEED, 0, TODAY, 1};
    demo_summary sum;
    db_conn *db = open_db("tree_only");
    assert_int_equal(demo_build(db, &o, &sum, err, sizeof err), 0);
    assert_int_equal(sum.buildings, main_sum.buildings);
    char *a = tree_text(db), *b = tree_text(main_db);
    assert_true(strlen(a) > 1000);
    assert_string_equal(a, b);
    free(a);
    free(b);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_org_tree),
        cmocka_unit_test(test_households),
        cmocka_unit_test(test_residents_valid),
        cmocka_unit_test(test_regions_in_gbt2260),
        cmocka_unit_test(test_relations_ages),
        cmocka_unit_test(test_special_groups),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_refuses_existing_units),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_tree_only_and_accounts),
        cmocka_unit_test(test_district_streets),
        cmocka_unit_test(test_tree_independent_of_households),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

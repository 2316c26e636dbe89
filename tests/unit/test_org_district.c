/* test_org_district.c — the district level (migration 0011, org.c) on
 * both engines: a database made and filled at schema version 10 (a
 * one-street database as it exists before this change) is upgraded and
 * keeps its street, paths, accounts and counts, the street still the
 * whole tree; then the district goes above it (no path moves), a second
 * street goes under the district, and the placement rules and the
 * table's constraints refuse a second root, a second district and a
 * parentless unit. Street-level roles may be scoped to the district.
 * SQLite in a temporary file; PostgreSQL 15 in a throwaway cluster
 * (unit/pg_temp.h), its schema emptied first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/users.h"
#include "core/keys.h"
#include "registry/counts.h"
#include "core/fieldcrypt.h"
#include "registry/org.h"
#include "storage/migrations.h"
#include "unit/pg_temp.h"

static char sqlite_dir[64];

static int setup(void **state)
{
    keys_load_ephemeral();   /* leader phones are stored encrypted */
    snprintf(sqlite_dir, sizeof sqlite_dir, "/tmp/minsheng-district-XXXXXX");
    if (!mkdtemp(sqlite_dir))
        return -1;
    return start_cluster(state);
}

static int teardown(void **state)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", sqlite_dir);
    int rc = system(cmd);
    return stop_cluster(state) == 0 && rc == 0 ? 0 : -1;
}

/* ---- a database at schema 10 --------------------------------------------- */

/* Applies the engine's embedded migrations up to `upto` the way db_migrate
 * does (each in a transaction with its schema_migrations row; on SQLite
 * foreign keys off, as a rebuild needs). */
static void migrate_upto(db_conn *db, int upto)
{
    char now[20];
    int lite = strcmp(db_engine_name(db), "sqlite") == 0;
    assert_int_equal(db_exec(db, DB_SCHEMA_MIGRATIONS_DDL), DB_DONE);
    for (const struct embedded_file *m = db_migrations(db_engine_name(db)); m->name; m++) {
        int v = db_migration_number(m->name);
        if (v > upto)
            break;
        if (lite)
            assert_int_equal(db_exec(db, "PRAGMA foreign_keys=OFF"), DB_DONE);
        assert_int_equal(db_begin(db), DB_DONE);
        assert_int_equal(db_exec(db, m->data), DB_DONE);
        assert_int_equal(db_exec_args(db, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                                      DB_INT(v), DB_TEXT(m->name), DB_TEXT(db_now(now))),
                         DB_DONE);
        assert_int_equal(db_commit(db), DB_DONE);
        if (lite)
            assert_int_equal(db_exec(db, "PRAGMA foreign_keys=ON"), DB_DONE);
    }
}

/* A fresh database on each engine: 0 SQLite (a new file), 1 PostgreSQL
 * (the cluster's database with an empty public schema). */
static db_conn *fresh_db(int engine, const char *name)
{
    char err[512], path[128];
    snprintf(path, sizeof path, "%s/%s.db", sqlite_dir, name);
    db_conn *db = db_open(engine ? uri : path, err, sizeof err);
    if (!db)
        fail_msg("%s", err);
    if (engine) {
        assert_int_equal(db_exec(db, "DROP SCHEMA public CASCADE"), DB_DONE);
        assert_int_equal(db_exec(db, "CREATE SCHEMA public"), DB_DONE);
    }
    return db;
}

/* "tmp:CODE": the unique placeholder path a new unit has until its id is known. */
static const char *fmt_tmp(const char *code)
{
    static char buf[80];
    snprintf(buf, sizeof buf, "tmp:%s", code);
    return buf;
}

/* The ids of the one-street tree made at schema 10. */
typedef struct tree {
    int64_t street, community, grid, building;
    char street_path[256], grid_path[256];
} tree;

static int64_t create(db_conn *db, int64_t parent, const char *kind, const char *code, const char *name)
{
    ms_err err;
    int64_t id = org_create(db, parent, kind, code, name, "负责人", "13800000000", &err);
    if (id < 0)
        fail_msg("org_create %s: %s", code, err.message);
    return id;
}

/* A unit as the program of schema 10 wrote it, in SQL of that schema
 * (today's org_create reads columns later migrations add). */
static int64_t create_v10(db_conn *db, int64_t parent, const char *kind, const char *code, const char *name)
{
    char path[256] = "/", now[20], phone_enc[FC_STORED_MAX];
    if (parent)
        assert_int_equal(db_one_text(db, path, sizeof path, "SELECT path FROM org_unit WHERE id = ?", DB_INT(parent)), 1);
    assert_int_equal(db_exec_args(db, "INSERT INTO org_unit(parent_id, kind, code, name, path, leader_name, created_at,"
                                      " updated_at) VALUES (?, ?, ?, ?, ?, '负责人', ?, ?)",
                                  DB_ID(parent), DB_TEXT(kind), DB_TEXT(code), DB_TEXT(name), DB_TEXT(fmt_tmp(code)),
                                  DB_TEXT(db_now(now)), DB_TEXT(now)),
                     DB_DONE);
    int64_t id = db_last_insert_id(db);
    snprintf(path + strlen(path), sizeof path - strlen(path), "%lld/", (long long)id);
    assert_int_equal(fc_encrypt("org_unit.leader_phone", id, "13800000000", phone_enc), 0);
    assert_int_equal(db_exec_args(db, "UPDATE org_unit SET path = ?, leader_phone_enc = ? WHERE id = ?", DB_TEXT(path),
                                  DB_TEXT(phone_enc), DB_INT(id)),
                     DB_DONE);
    return id;
}

/* A street, its community, grid and building, two households with three
 * residents (one tagged) and an account, written at schema 10. */
static void fill_v10(db_conn *db, tree *t)
{
    assert_int_equal(db_begin(db), DB_DONE);
    t->street = create_v10(db, 0, "street", "S1", "东街街道");
    t->community = create_v10(db, t->street, "community", "S1C1", "东一社区");
    t->grid = create_v10(db, t->community, "grid", "S1C1-01", "第一网格");
    t->building = create_v10(db, t->grid, "building", "S1C1-01-B01", "1号楼");
    assert_int_equal(db_exec_args(db, "INSERT INTO app_user(username, display_name, role, org_unit_id, password_hash,"
                                      " created_at, updated_at) VALUES ('jiedao', '街道', 'street', ?, 'x',"
                                      " '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                                  DB_INT(t->street)),
                     DB_DONE);
    assert_int_equal(db_exec_args(db,
                                  "INSERT INTO household(id, code, grid_id, building_id, address, created_at, updated_at)"
                                  " VALUES (1, 'H1', ?, ?, '东街1号', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
                                  " (2, 'H2', ?, NULL, '东街2号', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                                  DB_INT(t->grid), DB_INT(t->building), DB_INT(t->grid)),
                     DB_DONE);
    assert_int_equal(db_exec_args(db,
                                  "INSERT INTO resident(id, id_number_bidx, name, sex, birth_date, household_id, grid_id,"
                                  " created_at, updated_at) VALUES"
                                  " (1, 'b1', '张三', 'M', '1950-01-01', 1, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
                                  " (2, 'b2', '李四', 'F', '1960-01-01', 1, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),"
                                  " (3, 'b3', '王五', 'M', '1970-01-01', 2, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                                  DB_INT(t->grid), DB_INT(t->grid), DB_INT(t->grid)),
                     DB_DONE);
    assert_int_equal(db_exec(db, "INSERT INTO resident_tag(resident_id, tag) VALUES (1, 'elderly')"), DB_DONE);
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(db_one_text(db, t->street_path, sizeof t->street_path, "SELECT path FROM org_unit WHERE id = ?",
                                 DB_INT(t->street)), 1);
    assert_int_equal(db_one_text(db, t->grid_path, sizeof t->grid_path, "SELECT path FROM org_unit WHERE id = ?",
                                 DB_INT(t->grid)), 1);
}

static void assert_counts(db_conn *db, int64_t unit_id, int64_t households, int64_t residents)
{
    org_unit u;
    unit_counts c;
    assert_int_equal(org_get(db, unit_id, &u), 0);
    assert_int_equal(counts_unit(db, &u, &c), 0);
    assert_int_equal(c.households, households);
    assert_int_equal(c.residents, residents);
}

static int whole_tree(db_conn *db, int64_t id)
{
    org_unit u;
    assert_int_equal(org_get(db, id, &u), 0);
    return org_is_whole_tree(db, &u);
}

/* ---- the upgrade ---------------------------------------------------------- */

static void upgrade_keeps_a_street_then_takes_a_district(int engine)
{
    char err[512];
    ms_err e;
    org_unit u;
    tree t;
    db_conn *db = fresh_db(engine, "upgrade");
    migrate_upto(db, 10);
    assert_int_equal(db_schema_version(db), 10);
    fill_v10(db, &t);
    /* the upgrade: 0011 and whatever comes after it */
    if (db_migrate(db, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(db_schema_version(db), db_schema_latest());
    assert_true(db_schema_version(db) >= 11);
    /* the street is still the root and the whole tree, its data untouched */
    assert_int_equal(org_get(db, t.street, &u), 0);
    assert_string_equal(u.kind, "street");
    assert_int_equal(u.parent_id, 0);
    assert_string_equal(u.path, t.street_path);
    assert_string_equal(u.leader_phone, "13800000000");
    assert_int_equal(u.version, 1);
    assert_int_equal(whole_tree(db, t.street), 1);
    assert_counts(db, t.street, 2, 3);
    assert_counts(db, t.building, 1, 2);
    assert_int_equal(db_one_int(db, -1, "SELECT COUNT(*) FROM app_user u JOIN org_unit o ON o.id = u.org_unit_id"
                                        " WHERE u.username = 'jiedao' AND o.code = 'S1'"), 1);
    assert_int_equal(counts_check(db, 0, NULL, NULL), 0);
    /* a second street is refused until a district exists */
    assert_int_equal(db_begin(db), DB_DONE);
    assert_true(org_create(db, 0, "street", "S2", "西街街道", NULL, NULL, &e) < 0);
    assert_int_equal(e.kind, ERR_CONFLICT);
    db_rollback(db);

    /* the district above it: the street moves under it, no path moves */
    assert_int_equal(db_begin(db), DB_DONE);
    int64_t d = create(db, 0, "district", "D1", "某某区");
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(org_get(db, d, &u), 0);
    assert_string_equal(u.kind, "district");
    assert_string_equal(u.path, "/");
    assert_int_equal(u.parent_id, 0);
    assert_int_equal(org_get(db, t.street, &u), 0);
    assert_int_equal(u.parent_id, d);
    assert_string_equal(u.path, t.street_path);
    assert_int_equal(u.version, 2);
    assert_int_equal(org_get(db, t.grid, &u), 0);
    assert_string_equal(u.path, t.grid_path);
    assert_int_equal(whole_tree(db, t.street), 0);
    assert_int_equal(whole_tree(db, d), 1);
    assert_counts(db, d, 2, 3);
    assert_counts(db, t.street, 2, 3);

    /* a second street under the district: its own path and counts */
    assert_int_equal(db_begin(db), DB_DONE);
    int64_t s2 = create(db, d, "street", "S2", "西街街道");
    int64_t c2 = create(db, s2, "community", "S2C1", "西一社区");
    int64_t g2 = create(db, c2, "grid", "S2C1-01", "第一网格");
    assert_int_equal(db_exec_args(db,
                                  "INSERT INTO household(id, code, grid_id, address, created_at, updated_at)"
                                  " VALUES (3, 'H3', ?, '西街1号', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                                  DB_INT(g2)),
                     DB_DONE);
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(org_get(db, s2, &u), 0);
    char want[64];
    snprintf(want, sizeof want, "/%lld/", (long long)s2);
    assert_string_equal(u.path, want);
    assert_counts(db, s2, 1, 0);
    assert_counts(db, t.street, 2, 3);
    assert_counts(db, d, 3, 3);
    int64_t *grids;
    size_t n;
    assert_int_equal(org_subtree_grids(db, &u, &grids, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(grids[0], g2);
    free(grids);
    org_unit_counted *kids;
    assert_int_equal(org_list_counted(db, d, 0, &kids, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(kids[0].unit.id, t.street);
    assert_int_equal(kids[0].resident_count, 3);
    assert_int_equal(kids[1].unit.id, s2);
    assert_int_equal(kids[1].household_count, 1);
    free(kids);

    /* placement: one district, no root street beside it, nothing else parentless */
    assert_int_equal(db_begin(db), DB_DONE);
    assert_true(org_create(db, 0, "district", "D2", "另一区", NULL, NULL, &e) < 0);
    assert_int_equal(e.kind, ERR_CONFLICT);
    assert_true(org_create(db, 0, "street", "S3", "南街街道", NULL, NULL, &e) < 0);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_true(org_create(db, 0, "community", "C9", "社区", NULL, NULL, &e) < 0);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_true(org_create(db, d, "community", "C9", "社区", NULL, NULL, &e) < 0);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_true(org_create(db, t.street, "district", "D3", "区", NULL, NULL, &e) < 0);
    assert_int_equal(e.kind, ERR_INVALID);
    db_rollback(db);
    assert_string_equal(org_child_kind("district"), "street");
    assert_string_equal(org_kind_label("district"), "区");

    /* the table itself: a second "/" , a district with a parent, a parentless community */
    static const char *const BAD[] = {
        "INSERT INTO org_unit(parent_id, kind, code, name, path, created_at, updated_at)"
        " VALUES (NULL, 'district', 'DX', 'x', '/x/', '2026-01-01', '2026-01-01')",
        "INSERT INTO org_unit(parent_id, kind, code, name, path, created_at, updated_at)"
        " VALUES (1, 'district', 'DX', 'x', '/', '2026-01-01', '2026-01-01')",
        "INSERT INTO org_unit(parent_id, kind, code, name, path, created_at, updated_at)"
        " VALUES (NULL, 'community', 'CX', 'x', '/cx/', '2026-01-01', '2026-01-01')",
        "INSERT INTO org_unit(parent_id, kind, code, name, path, created_at, updated_at)"
        " VALUES (1, 'grid', 'GX', 'x', '/', '2026-01-01', '2026-01-01')",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        assert_int_equal(db_begin(db), DB_DONE);
        assert_int_equal(db_exec_args(db, BAD[i]), DB_CONSTRAINT);
        db_rollback(db);
    }

    /* accounts: the street-level roles at the district, the local ones not */
    assert_int_equal(db_begin(db), DB_DONE);
    assert_true(user_create_hashed(db, "qu", "区", "street", "D1", "x", &e) > 0);
    assert_true(user_create_hashed(db, "qu_admin", "区管理员", "admin", "D1", "x", &e) > 0);
    assert_true(user_create_hashed(db, "qu_audit", "区审计", "auditor", "D1", "x", &e) > 0);
    assert_true(user_create_hashed(db, "qu_view", "区只读", "viewer", "D1", "x", &e) > 0);
    assert_true(user_create_hashed(db, "qu_shequ", "x", "community", "D1", "x", &e) < 0);
    assert_int_equal(e.kind, ERR_INVALID);
    assert_true(user_create_hashed(db, "qu_grid", "x", "grid", "D1", "x", &e) < 0);
    assert_int_equal(db_commit(db), DB_DONE);
    assert_int_equal(counts_check(db, 0, NULL, NULL), 0);
    db_close(db);
}

static void upgrade_sqlite(void **state)
{
    upgrade_keeps_a_street_then_takes_a_district(0);
}

static void upgrade_postgresql(void **state)
{
    upgrade_keeps_a_street_then_takes_a_district(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upgrade_sqlite),
        cmocka_unit_test(upgrade_postgresql),
    };
    return cmocka_run_group_tests_name("org_district", tests, setup, teardown);
}

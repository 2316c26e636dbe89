/* test_readme.c — the README's walk-through ("从零建立一个街道 / Setting
 * up a real street") works when pasted: its shell block, between the
 * markers <!-- walkthrough:begin --> and <!-- walkthrough:end -->, runs
 * with `sh -e` in a temporary directory where build/minsheng is the
 * program under test and docs/ the repository's, and what it prints
 * shows the street set up. A README edit that breaks a command fails
 * here. SQLite only (the walk-through makes street.db). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* The ```sh block between the walk-through's markers (malloc'd). */
static char *walkthrough_block(const char *readme)
{
    const char *begin = strstr(readme, "<!-- walkthrough:begin -->");
    const char *end = begin ? strstr(begin, "<!-- walkthrough:end -->") : NULL;
    const char *open = begin ? strstr(begin, "```sh\n") : NULL;
    if (!end || !open || open > end)
        return NULL;
    open += 6;
    const char *close = strstr(open, "```");
    if (!close || close > end)
        return NULL;
    return strndup(open, (size_t)(close - open));
}

static void assert_contains(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        print_error("expected \"%s\" in the walk-through's output:\n%s\n", needle, text);
    assert_non_null(strstr(text, needle));
}

static void readme_walkthrough_runs(void **state)
{
    if (skip_on_pg("the walk-through makes a SQLite file, street.db")) {
        skip();
        return;
    }
    char repo[PATH_MAX], bin[PATH_MAX], dir[] = "/tmp/ms-readme-XXXXXX";
    assert_non_null(getcwd(repo, sizeof repo));
    const char *given = getenv("MINSHENG_BIN");
    assert_non_null(given);
    assert_non_null(realpath(given, bin));
    char *readme = read_whole_file("README.md", NULL);
    assert_non_null(readme);
    char *block = walkthrough_block(readme);
    free(readme);
    assert_non_null(block);
    assert_non_null(mkdtemp(dir));

    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/build", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/build/minsheng", dir);
    assert_int_equal(symlink(bin, path), 0);
    snprintf(path, sizeof path, "%s/docs", dir);
    assert_int_equal(symlink(fmt("%s/docs", repo), path), 0);
    snprintf(path, sizeof path, "%s/walkthrough.sh", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(block, f);
    fclose(f);
    free(block);

    /* no inherited database or password: the block says all it needs */
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && env -u MINSHENG_DB -u MINSHENG_PASSWORD -u MINSHENG_KEY_FILE sh -e walkthrough.sh >out.txt 2>&1 </dev/null",
             dir);
    int rc = system(cmd);
    char *out = read_whole_file(fmt("%s/out.txt", dir), NULL);
    assert_non_null(out);
    if (rc != 0) {
        print_error("the README walk-through failed (%d):\n%s\n", rc, out);
        free(out);
        fail();
    }
    assert_contains(out, "已建立街道 何楼街道（371702009），管理员账户 admin");
    assert_contains(out, "共 21 行，新建 21 个单位（街道 0、社区 3、网格 6、楼栋 12），错误 0 行");
    assert_contains(out, "街道 何楼街道（371702009）\n  社区 东方社区（371702009001）  负责人 刘红 13905300101\n");
    assert_contains(out, "共 22 个单位");
    assert_contains(out, "共 9 行，导入 9 人，新建 4 户，错误 0 行");
    assert_contains(out, "已将网格 南湖社区第2网格（371702009003-02）改名为 南湖第二网格");
    assert_contains(out, "  网格 南湖第二网格（371702009003-02）  网格员 郑洁 13805302202\n"
                         "    楼栋 南湖小区21号楼（371702009003-02-01）  楼长 钱丽\n"
                         "    楼栋 南湖小区22号楼（371702009003-02-02）  楼长 马超  [已撤销]\n");
    free(out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readme_walkthrough_runs),
    };
    return cmocka_run_group_tests_name("api_readme", tests, NULL, NULL);
}

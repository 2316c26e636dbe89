/* actor.c — role names and labels (see actor.h). */
#include "core/actor.h"

static const struct { role r; const char *name, *label; } ROLES[] = {
    {ROLE_ADMIN, "admin", "系统管理员"},
    {ROLE_SECADMIN, "secadmin", "安全管理员"},
    {ROLE_AUDITOR, "auditor", "审计员"},
    {ROLE_STREET, "street", "街道工作人员"},
    {ROLE_COMMUNITY, "community", "社区工作人员"},
    {ROLE_GRID, "grid", "网格员"},
    {ROLE_VIEWER, "viewer", "部门只读用户"},
};

role role_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (strcmp(ROLES[i].name, name) == 0)
            return ROLES[i].r;
    return 0;
}

const char *role_name(role r)
{
    for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (ROLES[i].r == r)
            return ROLES[i].name;
    return "unknown";
}

const char *role_label(role r)
{
    for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (ROLES[i].r == r)
            return ROLES[i].label;
    return "未知";
}

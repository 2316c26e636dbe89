/* audit_names.c — the Chinese name of every audit action code (see
 * audit_action_label in audit.h): the one table the audit list, its CSV
 * export and the web application show. A new code written anywhere in
 * src/ needs its line here; tests/unit/test_audit_names.c finds the
 * codes in the source and fails on one without a name. */
#include "core/audit.h"

#include <string.h>

static const struct { const char *code, *label; } NAMES[] = {
    {"access_denied", "越权访问被拒绝"},
    {"account_disabled_unused", "长期未使用的账户被停用"},
    {"ack", "确认安全告警"},
    {"assist_notice_close", "结束救助对象公示"},
    {"assist_notice_create", "生成救助对象公示"},
    {"assist_notice_export", "导出救助对象公示"},
    {"assist_notice_post", "张贴救助对象公示"},
    {"assist_objection_create", "登记公示异议"},
    {"assist_objection_resolve", "处理公示异议"},
    {"audit_chain_start", "建立审计日志哈希链"},
    {"audit_purge", "清理过期审计记录"},
    {"backup", "备份数据库"},
    {"boundary_import", "导入单位边界"},
    {"change_approve", "批准特权账户变更"},
    {"change_propose", "提出特权账户变更"},
    {"change_reject", "驳回特权账户变更"},
    {"close", "注销"},
    {"counts_fix", "修复统计计数"},
    {"create", "新增"},
    {"delete", "删除"},
    {"demo", "建立演示数据"},
    {"derived_refresh", "按出生日期刷新高龄标签"},
    {"export", "导出"},
    {"fields_encrypted", "加密敏感字段"},
    {"import", "导入"},
    {"import_undo", "撤销导入"},
    {"import_preview", "导入预检"},
    {"init", "初始化系统"},
    {"keys_rotated", "轮换数据密钥"},
    {"login", "登录"},
    {"login_failed", "登录失败"},
    {"login_locked", "登录失败次数过多，账户被锁定"},
    {"login_refused_address", "登录被拒绝（地址不在允许范围内）"},
    {"login_refused_disabled", "登录被拒绝（账户已停用）"},
    {"login_refused_locked", "登录被拒绝（账户已锁定）"},
    {"login_throttled", "登录过于频繁，已限制"},
    {"login_totp_failed", "动态口令验证失败"},
    {"logout", "退出登录"},
    {"move", "迁移"},
    {"password_change", "修改密码"},
    {"password_reset", "重置密码"},
    {"restore", "恢复数据库"},
    {"search_exact", "按身份证号或电话精确查找"},
    {"search_keys_built", "建立姓名拼音和尾号检索项"},
    {"security_alert", "安全告警"},
    {"session_refused_address", "会话被拒绝（地址不在允许范围内）"},
    {"set_role", "设置角色和管辖范围"},
    {"status", "变更居住状态"},
    {"stop_flag", "记录停发待办（死亡或迁出）"},
    {"totp_enabled", "启用动态口令"},
    {"totp_enroll_start", "开始绑定动态口令"},
    {"totp_reset", "重置动态口令"},
    {"transition", "办理流程"},
    {"update", "修改"},
    {"view_full_id", "查看完整身份证号"},
    {"write_refused", "写操作被拒绝"},
    /* social assistance: applications and steps (case_api.c) */
    {"assist_case_create", "提出救助申请"},
    {"assist_case_step", "办理救助案件"},
    {"assist_bank_set", "登记救助发放账户"},
    {"assist_decision_view", "查看救助决定书"},
    /* social assistance: close relatives, stop flags (relative.c, events.c) */
    {"assist_conflict_note", "更新案件近亲属备案提示"},
    {"assist_flags_sweep", "处理死亡、迁出待办（社会救助）"},
    {"assist_relative_add", "登记近亲属备案"},
    {"assist_relative_remove", "撤销近亲属备案"},
    {"assist_stop_flag", "案件标记暂停发放（死亡或迁出）"},
    /* social assistance: payments (payment_api.c, enrol.c) */
    {"assist_run_compute", "计算救助金发放批次"},
    {"assist_run_freeze", "复核冻结救助金发放批次"},
    {"assist_bank_export", "导出银行代发文件"},
    {"assist_bank_return", "导入银行回盘"},
    {"assist_adjustment_create", "录入救助金补发/扣减"},
    {"assist_enrol", "存量救助对象纳入"},
    /* social assistance: programmes and standards (programme_api.c) */
    {"assist_programme_create", "新增救助项目"},
    {"assist_programme_update", "修改救助项目"},
    {"assist_standard_add", "新增救助标准"},
    /* safety: injury records (injury_api.c) */
    {"safety_injury_create", "登记伤害记录"},
    {"safety_injury_update", "修改伤害记录"},
    {"safety_injury_delete", "删除伤害记录"},
    /* safety: enterprises, inspections, the hazard ledger (safety_api.c) */
    {"safety_enterprise_create", "登记安全检查企业或场所"},
    {"safety_enterprise_update", "修改安全检查企业或场所"},
    {"safety_inspection_create", "登记安全检查"},
    {"safety_hazard_create", "登记安全隐患"},
    {"safety_hazard_step", "办理隐患整改"},
    /* people's mediation (mediation_api.c) */
    {"mediation_station_create", "新增调解站（室）"},
    {"mediation_station_update", "修改调解站（室）"},
    {"mediator_create", "新增调解员"},
    {"mediator_update", "修改调解员"},
    {"mediator_deactivate", "停用调解员"},
    {"mediation_case_create", "受理调解案件"},
    {"mediation_case_step", "办理调解案件"},
    {"mediation_session_add", "登记调解记录"},
    {"mediation_agreement_view", "查看调解协议书"},
    /* citizen demands: work orders, categories, departments (src/demands/) */
    {"demand_order_create", "登记诉求工单"},
    {"demand_order_step", "办理诉求工单"},
    {"demand_order_urge", "催办诉求工单"},
    {"demand_duplicate_decide", "判定重复诉求工单"},
    {"demand_category_create", "新增诉求类别"},
    {"demand_category_update", "修改诉求类别"},
    {"demand_dept_create", "新增工单承办部门"},
    {"demand_dept_update", "修改工单承办部门"},
    /* citizen demands: Open311 (src/demands/open311*.c) */
    {"open311_request_create", "Open311 登记诉求工单"},
    {"open311_key_create", "签发 Open311 API 密钥"},
    {"open311_key_revoke", "吊销 Open311 API 密钥"},
};

const char *audit_action_label(const char *code)
{
    for (size_t i = 0; code && i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (strcmp(NAMES[i].code, code) == 0)
            return NAMES[i].label;
    return code ? code : "";
}

const char *audit_action_at(size_t i, const char **label)
{
    if (i >= sizeof NAMES / sizeof NAMES[0])
        return NULL;
    *label = NAMES[i].label;
    return NAMES[i].code;
}

// modules/registry/importColumns.js — the columns of the two import
// tables (the server's: src/registry/import.c FIELD_DEFS and
// org_import.c; docs/api.md "POST /import/residents", "POST
// /import/org-units"), for the templates the page generates, the column
// notes beside the upload and the Chinese name of an error's `field`.

// {header, field (the API name an error names), required, note}
export const IMPORT_KINDS = {
  residents: {
    label: '居民',
    path: '/import/residents',
    route: 'POST /api/v1/import/residents',
    template: '居民导入模板.csv',
    maxMB: 64,                    // the route's body limit (import_api.c)
    columns: [
      { header: '姓名', field: 'name', required: true },
      { header: '身份证号', field: 'id_number', required: true, note: '18 位，校验位须正确' },
      { header: '网格编码', field: 'grid_code', required: true, note: '如 371702009001-01' },
      { header: '户编号', field: 'household_code', required: true, note: '同一户的成员填同一户编号' },
      { header: '地址', field: 'address', note: '新户必填' },
      { header: '与户主关系', field: 'relation', note: '户主、配偶、子、女 …，每户一名户主' },
      { header: '联系电话', field: 'phone' },
      { header: '户籍类型', field: 'hukou_type' },
      { header: '居住状态', field: 'residence_status' },
      { header: '就业状态', field: 'employment' },
      { header: '残疾类别', field: 'disability_type' },
      { header: '残疾等级', field: 'disability_grade' },
      { header: '是否党员', field: 'party_member', note: '是 或 否' },
      { header: '标签', field: 'tags', note: '多个用顿号分隔，如 低保、残疾' },
      { header: '备注', field: 'notes' },
      { header: '楼栋编码', field: 'building_code' },
    ],
  },
  'org-units': {
    label: '组织架构',
    path: '/import/org-units',
    route: 'POST /api/v1/import/org-units',
    template: '组织架构导入模板.csv',
    maxMB: 16,
    columns: [
      { header: '层级', field: 'level', required: true, note: '街道、社区、网格 或 楼栋' },
      { header: '编码', field: 'code', required: true },
      { header: '名称', field: 'name', required: true },
      { header: '上级编码', field: 'parent_code', required: true, note: '上级在本文件中或已存在' },
      { header: '网格员', field: 'leader_name', note: '网格行' },
      { header: '网格员电话', field: 'leader_phone', note: '网格行' },
      { header: '楼长', field: 'leader_name', note: '楼栋行' },
      { header: '楼长电话', field: 'leader_phone', note: '楼栋行' },
      { header: '负责人', field: 'leader_name', note: '街道、社区行' },
      { header: '负责人电话', field: 'leader_phone', note: '街道、社区行' },
      { header: '边界', field: 'geometry', note: 'GeoJSON Polygon 或 MultiPolygon' },
    ],
  },
};

// The Chinese column name of an error's field (the API name), else the
// field itself; '—' for an error of the whole row.
export function fieldLabel(kind, field) {
  if (!field) return '—';
  const col = IMPORT_KINDS[kind].columns.find((c) => c.field === field);
  if (col) return field === 'leader_name' ? '负责人/网格员/楼长' : field === 'leader_phone' ? '联系电话' : col.header;
  return field;
}

// The template: the header line as CSV, UTF-8 with a BOM so that Excel
// and WPS open it as UTF-8.
export function templateCsv(kind) {
  return '\uFEFF' + IMPORT_KINDS[kind].columns.map((c) => c.header).join(',') + '\r\n';
}

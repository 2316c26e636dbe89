// xlsx.mjs — the browser tests' tiny .xlsx helpers, with node's zlib
// only (node_modules holds no xlsx writer): xlsxFromRows builds a
// workbook as Excel saves it (one sheet, every cell a shared string:
// ID numbers stay text), zipEntry reads one file out of a zip (an
// exported workbook). A zip here is local headers + deflated data +
// the central directory (APPNOTE 4.3), no zip64, no encryption.
import zlib from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// files: [[name, string|Buffer]] → the zip archive.
export function zip(files) {
  const locals = [], central = [];
  let offset = 0;
  for (const [name, content] of files) {
    const data = Buffer.from(content);
    const packed = zlib.deflateRawSync(data);
    const fname = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);             // version needed
    local.writeUInt16LE(0x0800, 6);         // flags: UTF-8 names
    local.writeUInt16LE(8, 8);              // deflate
    local.writeUInt32LE(0x00210000, 10);    // time 00:00, date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(0x00210000, 12);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(fname.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, fname, packed);
    central.push(cd, fname);
    offset += local.length + fname.length + packed.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, end]);
}

// The uncompressed content of `name` in a zip, or null when absent.
export function zipEntry(buf, name) {
  const endAt = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error('不是 zip 文件');
  let p = buf.readUInt32LE(endAt + 16);
  for (let i = 0, n = buf.readUInt16LE(endAt + 10); i < n; i++) {
    const method = buf.readUInt16LE(p + 10), size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28), extra = buf.readUInt16LE(p + 30), comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (buf.toString('utf8', p + 46, p + 46 + nameLen) === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return method === 8 ? zlib.inflateRawSync(data) : Buffer.from(data);
    }
    p += 46 + nameLen + extra + comment;
  }
  return null;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const col = (i) => (i < 26 ? '' : String.fromCharCode(64 + Math.floor(i / 26))) + String.fromCharCode(65 + (i % 26));

// rows: arrays of strings (the first is the header) → an .xlsx workbook.
export function xlsxFromRows(rows) {
  const strings = [], index = new Map();
  const sid = (s) => {
    if (!index.has(s)) { index.set(s, strings.length); strings.push(s); }
    return index.get(s);
  };
  const sheetRows = rows.map((r, ri) => `<row r="${ri + 1}">` + r.map((v, ci) => (v === '' ? ''
    : `<c r="${col(ci)}${ri + 1}" t="s"><v>${sid(v)}</v></c>`)).join('') + '</row>').join('');
  const ns = 'http://schemas.openxmlformats.org';
  return zip([
    ['[Content_Types].xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="${ns}/package/2006/content-types">`
      + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      + '<Default Extension="xml" ContentType="application/xml"/>'
      + '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      + '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
      + '</Types>'],
    ['_rels/.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${ns}/package/2006/relationships">`
      + `<Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${ns}/spreadsheetml/2006/main" `
      + `xmlns:r="${ns}/officeDocument/2006/relationships"><sheets><sheet name="居民" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ['xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="${ns}/package/2006/relationships">`
      + `<Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
      + `<Relationship Id="rId2" Type="${ns}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`],
    ['xl/worksheets/sheet1.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${ns}/spreadsheetml/2006/main">`
      + `<sheetData>${sheetRows}</sheetData></worksheet>`],
    ['xl/sharedStrings.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="${ns}/spreadsheetml/2006/main" `
      + `count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t>${esc(s)}</t></si>`).join('')}</sst>`],
  ]);
}

const unesc = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// The first sheet of a workbook: rows (by number) of cells {type, text}
// by column letter; type is the cell's t attribute ('s' shared string,
// 'inlineStr', 'str', or 'n' for a number). Enough for the checks of a
// test, not a general reader (rich text runs are joined).
export function readSheet(buf) {
  const sst = zipEntry(buf, 'xl/sharedStrings.xml');
  const strings = sst ? [...sst.toString().matchAll(/<si>(.*?)<\/si>/gs)]
    .map((m) => [...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => unesc(t[1])).join('')) : [];
  const rows = {};
  const xml = zipEntry(buf, 'xl/worksheets/sheet1.xml').toString();
  for (const m of xml.matchAll(/<c r="([A-Z]+)(\d+)"([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
    const type = (/\bt="(\w+)"/.exec(m[3]) || [, 'n'])[1];
    const body = m[4] || '';
    let text;
    if (type === 's') text = strings[Number((/<v>(.*?)<\/v>/.exec(body) || [])[1])];
    else if (type === 'inlineStr') text = [...body.matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => unesc(t[1])).join('');
    else text = unesc((/<v>(.*?)<\/v>/s.exec(body) || [, ''])[1]);
    (rows[m[2]] ||= {})[m[1]] = { type, text };
  }
  return { rows, xml };
}

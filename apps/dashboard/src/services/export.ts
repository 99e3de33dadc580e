// A user's watch history as a file (issue 19): the one implementation behind
// GET /api/export and `npm run cli -- export`.
import { Readable } from 'node:stream';
import { notFound } from '@plexhook/core';
import { type Db, EXPORT_FIELDS, type ExportRow, streamUserExport, userExists } from '@plexhook/db';
import { stringify } from 'csv-stringify/sync';

export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

export const exportFileName = (userId: number, format: ExportFormat) => `plexhook-user-${userId}.${format}`;

/**
 * Rows per chunk handed to the destination: one write per row would cost a syscall (and an
 * HTTP chunk header) per row; a few hundred rows is a chunk of some tens of kB.
 */
const ROWS_PER_CHUNK = 500;

// RFC 4180: CRLF between records, and any field holding a quote, a comma, CR or LF in quotes
// (quotes doubled). escape_formulas puts a ' before a field that starts with = + - @ TAB or CR,
// so a spreadsheet shows `=cmd|...` as text instead of running it (CSV injection). Only text
// fields can start that way here (ids, years, seasons are never negative); the JSON formats
// carry the titles unchanged.
const CSV_OPTIONS = {
  columns: [...EXPORT_FIELDS],
  record_delimiter: 'windows',
  quote_record_delimiter: true,
  escape_formulas: true,
} as const;

async function* chunks(rows: AsyncIterable<ExportRow>): AsyncGenerator<ExportRow[]> {
  let chunk: ExportRow[] = [];
  for await (const row of rows) {
    chunk.push(row);
    if (chunk.length === ROWS_PER_CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

async function* encode(rows: AsyncIterable<ExportRow>, format: ExportFormat): AsyncGenerator<string> {
  let first = true;
  if (format === 'csv') yield stringify([], { ...CSV_OPTIONS, header: true });
  if (format === 'json') yield '[';
  for await (const chunk of chunks(rows)) {
    switch (format) {
      case 'csv':
        yield stringify(chunk, CSV_OPTIONS);
        break;
      case 'json':
        yield (first ? '\n' : ',\n') + chunk.map((row) => JSON.stringify(row)).join(',\n');
        break;
      case 'ndjson':
        yield `${chunk.map((row) => JSON.stringify(row)).join('\n')}\n`;
        break;
    }
    first = false;
  }
  if (format === 'json') yield first ? ']\n' : '\n]\n';
}

export type ExportStream = {
  stream: Readable;
  /** Rows written so far (all of them once the stream has ended). */
  rows(): number;
};

/**
 * The export of one user as a readable stream of text. Nothing is read before the stream is:
 * it pulls rows from the database's cursor only as fast as its destination takes them
 * (`pipeline(stream, res)`), so memory stays bounded whatever the history's size. An unknown
 * user is a 404, thrown before any byte exists.
 */
export async function openUserExport(db: Db, userId: number, format: ExportFormat): Promise<ExportStream> {
  if (!(await userExists(db, userId))) throw notFound(`user ${userId} not found`);
  let count = 0;
  async function* counted(): AsyncGenerator<ExportRow> {
    for await (const row of streamUserExport(db, userId)) {
      count++;
      yield row;
    }
  }
  return { stream: Readable.from(encode(counted(), format), { objectMode: false }), rows: () => count };
}

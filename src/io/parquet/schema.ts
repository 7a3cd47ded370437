import type {SchemaElement} from 'hyparquet';
import type {TableColumn} from '../table-codec.js';

/**
 * How a table column is stored in Parquet, read off its TableColumn (which is read off the table's zod schema at
 * build time: src/generated/tables.ts), so the zod schemas stay the one source of truth for names, order, types
 * and nullability:
 *
 * | zod column (src/schemas/columns.ts)            | Parquet                         | DuckDB        |
 * |------------------------------------------------|---------------------------------|---------------|
 * | col.date                                       | INT32 DATE                      | DATE          |
 * | col.dateOrEmpty ('' when none)                 | INT32 DATE, null for ''         | DATE          |
 * | col.int / col.intOrNull                        | INT64                           | BIGINT        |
 * | col.money / col.moneyOrNull (multipleOf 0.01)  | INT64 DECIMAL(18,2)             | DECIMAL(18,2) |
 * | col.num / col.numOrNull / col.prob             | DOUBLE                          | DOUBLE        |
 * | col.bool                                       | BOOLEAN                         | BOOLEAN       |
 * | col.oneOf (an enum)                            | UTF8, dictionary-encoded        | VARCHAR       |
 * | an enum with '' among its values               | the same, null for ''           | VARCHAR       |
 * | col.id                                         | UTF8, plain (unique values)     | VARCHAR       |
 * | col.idOrEmpty ('' when none)                   | UTF8, plain, null for ''        | VARCHAR       |
 * | col.text                                       | UTF8                            | VARCHAR       |
 * | col.list                                       | LIST of UTF8                    | VARCHAR[]     |
 *
 * A zod `.nullable()` column is OPTIONAL; so is a column whose "no value" is '' (an optional date, an optional
 * ID such as previous_deal_id, an enum with ''): warehouses, foreign keys and dbt tests want NULL there. A reader
 * gives '' back for those nulls, so a Parquet table reads back as the same rows as its CSV (see read.ts).
 */
export type ParquetKind = 'text' | 'enum' | 'id' | 'date' | 'int' | 'decimal' | 'double' | 'boolean' | 'list';

export interface ParquetColumn {
  readonly name: string;
  readonly kind: ParquetKind;
  /** OPTIONAL in Parquet (NULL in SQL). */
  readonly nullable: boolean;
  /** A null stands for '' (the CSV's "no value" of an optional date, an optional ID or an enum with ''). */
  readonly emptyIsNull: boolean;
  /** Digits after the point of a decimal. */
  readonly scale?: number;
  /** The values of an enum ('' left out when it stands for null). */
  readonly values?: readonly string[];
}

/** A table's columns as stored in Parquet (see the module comment). */
export function parquetColumns(columns: readonly TableColumn[]): ParquetColumn[] {
  return columns.map(parquetColumn);
}

function parquetColumn(c: TableColumn): ParquetColumn {
  const base = {name: c.name, nullable: c.nullable, emptyIsNull: false};
  switch (c.kind) {
    case 'boolean':
      return {...base, kind: 'boolean'};
    case 'list':
      return {...base, kind: 'list'};
    case 'number':
      if (c.scale !== undefined) return {...base, kind: 'decimal', scale: c.scale};
      return {...base, kind: c.int ? 'int' : 'double'};
    case 'string': {
      if (c.format === 'date') return {...base, kind: 'date'};
      if (c.format === 'dateOrEmpty') return {...base, kind: 'date', nullable: true, emptyIsNull: true};
      if (c.format === 'id') return {...base, kind: 'id'};
      if (c.format === 'idOrEmpty') return {...base, kind: 'id', nullable: true, emptyIsNull: true};
      if (c.values !== undefined) {
        const empty = c.values.includes('');
        return {...base, kind: 'enum', nullable: c.nullable || empty, emptyIsNull: empty, values: c.values.filter((v) => v !== '')};
      }
      return {...base, kind: 'text'};
    }
  }
}

/** Precision of the DECIMALs (18 digits fit an INT64). */
export const DECIMAL_PRECISION = 18;

/** The Parquet schema (flattened, as in the file's footer) of a table's columns. */
export function schemaElements(columns: readonly ParquetColumn[]): SchemaElement[] {
  const out: SchemaElement[] = [{name: 'root', num_children: columns.length}];
  for (const c of columns) {
    const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
    switch (c.kind) {
      case 'text':
      case 'enum':
      case 'id':
        out.push({name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: {type: 'STRING'}, repetition_type});
        break;
      case 'date':
        out.push({name: c.name, type: 'INT32', converted_type: 'DATE', logical_type: {type: 'DATE'}, repetition_type});
        break;
      case 'int':
        // A plain INT64 is a signed 64-bit integer (hyparquet-writer 0.17 writes an INTEGER logical type that DuckDB cannot read).
        out.push({name: c.name, type: 'INT64', repetition_type});
        break;
      case 'decimal':
        out.push({
          name: c.name,
          type: 'INT64',
          converted_type: 'DECIMAL',
          scale: c.scale,
          precision: DECIMAL_PRECISION,
          logical_type: {type: 'DECIMAL', scale: c.scale ?? 0, precision: DECIMAL_PRECISION},
          repetition_type,
        });
        break;
      case 'double':
        out.push({name: c.name, type: 'DOUBLE', repetition_type});
        break;
      case 'boolean':
        out.push({name: c.name, type: 'BOOLEAN', repetition_type});
        break;
      case 'list':
        // The three-level LIST of the Parquet spec: <name> (LIST) / list (repeated) / element.
        out.push({name: c.name, converted_type: 'LIST', logical_type: {type: 'LIST'}, repetition_type, num_children: 1});
        out.push({name: 'list', repetition_type: 'REPEATED', num_children: 1});
        out.push({name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: {type: 'STRING'}, repetition_type: 'REQUIRED'});
        break;
    }
  }
  return out;
}

/** The SQL type of a column (DuckDB's names; the same in the DuckDB export). */
export function sqlType(c: ParquetColumn): string {
  switch (c.kind) {
    case 'text':
    case 'enum':
    case 'id':
      return 'VARCHAR';
    case 'date':
      return 'DATE';
    case 'int':
      return 'BIGINT';
    case 'decimal':
      return `DECIMAL(${DECIMAL_PRECISION},${c.scale ?? 0})`;
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'list':
      return 'VARCHAR[]';
  }
}

/**
 * The WebAssembly JS API as Node 20 has it. The repository compiles against lib ES2023 and
 * @types/node 20, neither of which declares it (it lives in lib.dom); this is the part the SoC uses.
 */
declare namespace WebAssembly {
  type ImportValue = ExportValue | number | bigint;
  type ExportValue = ((...args: never[]) => unknown) | Global | Memory | Table;
  type ModuleImports = Record<string, ImportValue>;
  type Imports = Record<string, ModuleImports>;
  type Exports = Record<string, ExportValue>;
  type ImportExportKind = 'function' | 'global' | 'memory' | 'table' | 'tag';
  interface ModuleImportDescriptor {
    module: string;
    name: string;
    kind: ImportExportKind;
  }
  interface ModuleExportDescriptor {
    name: string;
    kind: ImportExportKind;
  }
  class Module {
    constructor(bytes: BufferSource);
    static imports(module: Module): ModuleImportDescriptor[];
    static exports(module: Module): ModuleExportDescriptor[];
    static customSections(module: Module, name: string): ArrayBuffer[];
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  interface TableDescriptor {
    element: 'anyfunc' | 'externref';
    initial: number;
    maximum?: number;
  }
  class Table {
    constructor(descriptor: TableDescriptor);
    readonly length: number;
    get(index: number): ((...args: never[]) => unknown) | null;
  }
  interface GlobalDescriptor {
    value: 'i32' | 'i64' | 'f32' | 'f64';
    mutable?: boolean;
  }
  class Global {
    constructor(descriptor: GlobalDescriptor, value?: number | bigint);
    value: number | bigint;
  }
  class CompileError extends Error {}
  class LinkError extends Error {}
  class RuntimeError extends Error {}
  type BufferSource = ArrayBufferView | ArrayBuffer;
  function compile(bytes: BufferSource): Promise<Module>;
  function validate(bytes: BufferSource): boolean;
}

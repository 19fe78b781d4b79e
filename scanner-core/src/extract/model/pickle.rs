//! Pickle streams, walked opcode by opcode and **never unpickled**: what a stream imports
//! (`GLOBAL`, `STACK_GLOBAL`, `INST`, extension codes) and which of those imports it then calls
//! (`REDUCE`, `OBJ`, `NEWOBJ`, `NEWOBJ_EX`, `INST`). Follows the opcode table of CPython's
//! `Lib/pickletools.py` (protocols 0 to 5).
//!
//! Only as much of the unpickler's stack is simulated as naming the imports needs: strings (for
//! `STACK_GLOBAL`, whose module and name may come from the memo), small integers (PyTorch's
//! legacy layouts store record counts as pickled ints), globals and marks. A stream that cannot
//! be walked to its `STOP` (truncated, an unknown opcode, a computed import, caps reached) is
//! reported incomplete: what follows is unknown, so it is never "clean".
//!
//! joblib's files are walked as `joblib.load` reads them (`joblib/numpy_pickle.py`): the
//! `BUILD` of a `NumpyArrayWrapper` is followed, outside the pickle, by the array's raw bytes
//! (after a padding-length byte and that much padding when the wrapper records an alignment),
//! or by a nested pickle for an object array. The walker reads the wrapper's state (`shape`,
//! `dtype`, `numpy_array_alignment_bytes`), skips exactly that many bytes, and walks a nested
//! pickle as part of the stream, so its imports are judged too.
//!
//! This module also holds the `model/pickle` extractor for plain pickle files (`.pkl`,
//! `.pickle`, `.joblib`).

use std::collections::HashMap;
use std::io::{self, Read};
use std::rc::Rc;

use super::weights::{self, Weights};
use crate::extract::{ExtractorId, FileMatch, Format, Sample, Syntax};
use crate::model::{PickleImport, PickleStream, WeightsFormat};

/// Caps on one walk. Generous for real checkpoints, small enough that a hostile stream cannot
/// exhaust memory or time.
#[derive(Debug, Clone, Copy)]
pub struct WalkLimits {
    /// Opcodes walked before the walk stops (incomplete).
    pub max_opcodes: u64,
    /// Stack depth before the walk stops.
    pub max_stack: usize,
    /// Memo entries before the walk stops.
    pub max_memo: usize,
    /// Longer strings are skipped, not kept (module and attribute names are short).
    pub max_kept_string: usize,
    /// Longest `GLOBAL` / `INST` module or name line.
    pub max_line: usize,
    /// Longest protocol-0 data line (`STRING`, `UNICODE`, numbers): read through, kept only
    /// up to `max_kept_string`.
    pub max_data_line: u64,
    /// joblib object arrays nest pickles; deeper nesting than this is not walked.
    pub max_depth: u8,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            max_opcodes: 50_000_000,
            max_stack: 1_000_000,
            max_memo: 1_000_000,
            max_kept_string: 4_096,
            max_line: 4_096,
            max_data_line: 1 << 30,
            max_depth: 4,
        }
    }
}

/// The outcome of walking one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    /// Every global the stream imports, in order of first appearance.
    pub imports: Vec<PickleImport>,
    /// False when the walk stopped before `STOP`.
    pub complete: bool,
    /// Why it stopped early, when it did.
    pub incomplete_reason: Option<String>,
    /// Bytes consumed, `STOP` included.
    pub length: u64,
    /// The stream's value when it is a plain integer (record counts of PyTorch's legacy layouts).
    pub integer: Option<i128>,
    /// The protocol declared by `PROTO`, if any.
    pub protocol: Option<u8>,
}

impl Walk {
    /// The walk as the stream `name` of a weights file.
    pub fn into_stream(self, name: String) -> PickleStream {
        PickleStream {
            name,
            imports: self.imports,
            complete: self.complete,
            incomplete_reason: self.incomplete_reason,
        }
    }

    /// The last `torch.*Storage` class imported (PyTorch's legacy storage records).
    pub fn last_storage_class(&self) -> Option<&str> {
        self.imports
            .iter()
            .rev()
            .find(|import| import.module == "torch" && import.name.ends_with("Storage"))
            .map(|import| import.name.as_str())
    }
}

/// A value on the simulated stack.
#[derive(Debug, Clone)]
enum Value {
    Mark,
    Text(String),
    Integer(i128),
    /// Index into the walk's imports.
    Global(usize),
    /// What calling or instantiating an import built (an instance of that class).
    Object(usize),
    /// A `numpy.dtype` built from its type code (`f8`, `<i4`, `O`).
    Dtype(Rc<str>),
    /// Tuples and dictionaries, shared (memo copies are cheap) and kept small: joblib's
    /// wrapper state is read from them.
    Tuple(Rc<[Value]>),
    Dict(Rc<Vec<(Value, Value)>>),
    Other,
}

/// Longer tuples and dictionaries are not kept (their contents never name an import).
const MAX_KEPT_ITEMS: usize = 32;

fn tuple(items: Vec<Value>) -> Value {
    if items.len() <= MAX_KEPT_ITEMS {
        Value::Tuple(items.into())
    } else {
        Value::Other
    }
}

fn dict(items: Vec<Value>) -> Value {
    if items.len() > 2 * MAX_KEPT_ITEMS {
        return Value::Other;
    }
    let mut pairs = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let (Some(key), Some(value)) = (items.next(), items.next()) {
        pairs.push((key, value));
    }
    Value::Dict(Rc::new(pairs))
}

/// Why a walk stopped early.
struct Stop(String);

impl From<io::Error> for Stop {
    fn from(error: io::Error) -> Stop {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            Stop("the stream ends before its STOP opcode (truncated)".to_owned())
        } else {
            Stop(format!("read error: {error}"))
        }
    }
}

struct Walker<'r> {
    reader: &'r mut dyn Read,
    limits: WalkLimits,
    offset: u64,
    stack: Vec<Value>,
    memo: HashMap<u64, Value>,
    imports: Vec<PickleImport>,
    protocol: Option<u8>,
    depth: u8,
}

/// Walks one pickle stream from `reader`, reading up to and including its `STOP`.
pub fn walk(reader: &mut dyn Read, limits: WalkLimits) -> Walk {
    walk_at_depth(reader, limits, 0)
}

fn walk_at_depth(reader: &mut dyn Read, limits: WalkLimits, depth: u8) -> Walk {
    let mut walker = Walker {
        reader,
        limits,
        offset: 0,
        stack: Vec::new(),
        memo: HashMap::new(),
        imports: Vec::new(),
        protocol: None,
        depth,
    };
    let outcome = walker.run();
    let (complete, incomplete_reason, integer) = match outcome {
        Ok(top) => (
            true,
            None,
            match top {
                Some(Value::Integer(value)) => Some(value),
                _ => None,
            },
        ),
        Err(Stop(reason)) => (false, Some(reason), None),
    };
    Walk {
        imports: walker.imports,
        complete,
        incomplete_reason,
        length: walker.offset,
        integer,
        protocol: walker.protocol,
    }
}

/// Walks a stream held in memory.
pub fn walk_bytes(bytes: &[u8]) -> Walk {
    let mut reader = bytes;
    walk(&mut reader, WalkLimits::default())
}

/// True when `bytes` start like a pickle that declares its protocol (protocol 2 and later,
/// which is what `torch.save`, `joblib` and `pickle.dump` write by default).
pub fn starts_with_protocol(bytes: &[u8]) -> bool {
    matches!(bytes, [0x80, protocol, ..] if *protocol <= 5)
}

/// True when `bytes` start with an opcode a protocol 0 or 1 pickle commonly starts with.
pub fn may_be_old_protocol(bytes: &[u8]) -> bool {
    matches!(
        bytes.first(),
        Some(b'(' | b'c' | b'}' | b']' | b')' | b'N' | b'I' | b'S' | b'V' | b'K' | b'J' | b'X')
    )
}

impl Walker<'_> {
    fn byte(&mut self) -> Result<u8, Stop> {
        let mut one = [0u8; 1];
        self.reader.read_exact(&mut one)?;
        self.offset += 1;
        Ok(one[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
        let mut bytes = [0u8; N];
        self.reader.read_exact(&mut bytes)?;
        self.offset += N as u64;
        Ok(bytes)
    }

    fn u32_le(&mut self) -> Result<u64, Stop> {
        Ok(u64::from(u32::from_le_bytes(self.array::<4>()?)))
    }

    fn u64_le(&mut self) -> Result<u64, Stop> {
        Ok(u64::from_le_bytes(self.array::<8>()?))
    }

    /// Reads `length` bytes, keeping them only when short enough to matter.
    fn payload(&mut self, length: u64) -> Result<Option<Vec<u8>>, Stop> {
        if length <= self.limits.max_kept_string as u64 {
            let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(0)];
            self.reader.read_exact(&mut bytes)?;
            self.offset += length;
            return Ok(Some(bytes));
        }
        let skipped = io::copy(&mut self.reader.take(length), &mut io::sink())?;
        self.offset += skipped;
        if skipped < length {
            return Err(Stop(
                "the stream ends inside a string or bytes payload (truncated)".to_owned(),
            ));
        }
        Ok(None)
    }

    /// One `\n`-terminated line (protocol 0 arguments), without the newline.
    fn line(&mut self) -> Result<String, Stop> {
        let mut bytes = Vec::new();
        loop {
            let byte = self.byte()?;
            if byte == b'\n' {
                break;
            }
            if bytes.len() >= self.limits.max_line {
                return Err(Stop(format!(
                    "a text argument at byte {} is longer than {} bytes",
                    self.offset, self.limits.max_line
                )));
            }
            bytes.push(byte);
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// One protocol-0 data line: read through whatever its length (up to `max_data_line`),
    /// kept only when short enough to matter.
    fn data_line(&mut self) -> Result<Option<String>, Stop> {
        let mut bytes = Vec::new();
        let mut length: u64 = 0;
        loop {
            let byte = self.byte()?;
            if byte == b'\n' {
                break;
            }
            length += 1;
            if length > self.limits.max_data_line {
                return Err(Stop(format!(
                    "a text argument at byte {} is longer than {} bytes",
                    self.offset, self.limits.max_data_line
                )));
            }
            if bytes.len() <= self.limits.max_kept_string {
                bytes.push(byte);
            }
        }
        if length > self.limits.max_kept_string as u64 {
            return Ok(None);
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Skips `length` bytes of raw data.
    fn skip(&mut self, length: u64, what: &str) -> Result<(), Stop> {
        let skipped = io::copy(&mut self.reader.take(length), &mut io::sink())?;
        self.offset += skipped;
        if skipped < length {
            return Err(Stop(format!("the stream ends inside {what} (truncated)")));
        }
        Ok(())
    }

    fn is_import(&self, index: usize, module: &str, name: &str) -> bool {
        self.imports
            .get(index)
            .is_some_and(|import| import.module == module && import.name == name)
    }

    /// What `REDUCE` / `NEWOBJ` of `callable` over `arguments` leaves on the stack.
    fn built(&self, callable: &Value, arguments: &Value) -> Value {
        let Value::Global(index) = callable else {
            return Value::Other;
        };
        if self.is_import(*index, "numpy", "dtype") {
            if let Value::Tuple(items) = arguments {
                if let Some(Value::Text(code)) = items.first() {
                    return Value::Dtype(code.as_str().into());
                }
            }
        }
        Value::Object(*index)
    }

    /// joblib's `NumpyArrayWrapper.read_array`: after the wrapper's `BUILD`, the array's bytes
    /// follow in the file (or a nested pickle for an object array).
    fn joblib_array(&mut self, state: &Value, at: u64) -> Result<(), Stop> {
        let unreadable = || {
            Stop(format!(
                "the joblib array wrapper built at byte {at} has no readable shape and dtype, \
                 so where its raw data ends is unknown"
            ))
        };
        let Value::Dict(pairs) = state else {
            return Err(unreadable());
        };
        let field = |key: &str| {
            pairs.iter().find_map(|(name, value)| match name {
                Value::Text(name) if name == key => Some(value.clone()),
                _ => None,
            })
        };
        let Some(Value::Dtype(code)) = field("dtype") else {
            return Err(unreadable());
        };
        let Some(Value::Tuple(shape)) = field("shape") else {
            return Err(unreadable());
        };
        let mut count: u64 = 1;
        for dimension in shape.iter() {
            let Value::Integer(dimension) = dimension else {
                return Err(unreadable());
            };
            count = u64::try_from(*dimension)
                .ok()
                .and_then(|dimension| count.checked_mul(dimension))
                .ok_or_else(unreadable)?;
        }
        match dtype_item_size(&code) {
            Some(ItemSize::Object) => {
                if self.depth >= self.limits.max_depth {
                    return Err(Stop(format!(
                        "joblib object arrays nest deeper than {} pickles at byte {}",
                        self.limits.max_depth, self.offset
                    )));
                }
                let start = self.offset;
                let nested = walk_at_depth(&mut *self.reader, self.limits, self.depth + 1);
                self.offset += nested.length;
                for mut import in nested.imports {
                    import.offset += start;
                    self.imports.push(import);
                }
                if !nested.complete {
                    return Err(Stop(format!(
                        "the object array pickled at byte {start}: {}",
                        nested.incomplete_reason.unwrap_or_default()
                    )));
                }
                Ok(())
            }
            Some(ItemSize::Bytes(size)) => {
                if matches!(
                    field("numpy_array_alignment_bytes"),
                    Some(Value::Integer(_))
                ) {
                    let padding = self.byte()?;
                    self.skip(u64::from(padding), "a joblib array's padding")?;
                }
                let length = count.checked_mul(size).ok_or_else(unreadable)?;
                self.skip(length, "a joblib array's raw data")
            }
            None => Err(Stop(format!(
                "the joblib array wrapper built at byte {at} has dtype `{code}`, whose item size \
                 airlock does not know"
            ))),
        }
    }

    fn push(&mut self, value: Value) -> Result<(), Stop> {
        if self.stack.len() >= self.limits.max_stack {
            return Err(Stop(format!(
                "the stack grows past {} items",
                self.limits.max_stack
            )));
        }
        self.stack.push(value);
        Ok(())
    }

    fn pop(&mut self, at: u64) -> Result<Value, Stop> {
        self.stack
            .pop()
            .ok_or_else(|| Stop(format!("stack underflow at byte {at} (malformed stream)")))
    }

    /// Pops everything down to and including the topmost mark.
    fn pop_mark(&mut self, at: u64) -> Result<Vec<Value>, Stop> {
        let position = self
            .stack
            .iter()
            .rposition(|value| matches!(value, Value::Mark))
            .ok_or_else(|| {
                Stop(format!(
                    "no MARK on the stack at byte {at} (malformed stream)"
                ))
            })?;
        let items = self.stack.split_off(position + 1);
        self.stack.pop();
        Ok(items)
    }

    fn memo_put(&mut self, key: u64, at: u64) -> Result<(), Stop> {
        let top = self
            .stack
            .last()
            .cloned()
            .ok_or_else(|| Stop(format!("memoizing an empty stack at byte {at}")))?;
        if self.memo.len() >= self.limits.max_memo && !self.memo.contains_key(&key) {
            return Err(Stop(format!(
                "the memo grows past {} entries",
                self.limits.max_memo
            )));
        }
        self.memo.insert(key, top);
        Ok(())
    }

    fn memo_get(&mut self, key: u64, at: u64) -> Result<(), Stop> {
        let value = self.memo.get(&key).cloned().ok_or_else(|| {
            Stop(format!(
                "memo key {key} is read before it is written at byte {at}"
            ))
        })?;
        self.push(value)
    }

    fn import(&mut self, module: String, name: String, opcode: &'static str, at: u64) -> usize {
        self.imports.push(PickleImport {
            module,
            name,
            opcode,
            offset: at,
            called: false,
        });
        self.imports.len() - 1
    }

    fn mark_called(&mut self, callable: &Value) {
        if let Value::Global(index) = callable {
            if let Some(import) = self.imports.get_mut(*index) {
                import.called = true;
            }
        }
    }

    /// `SETITEM` / `SETITEMS` on the dictionary now on top (other containers are not kept).
    fn set_items(&mut self, items: Vec<Value>) {
        if let Some(Value::Dict(pairs)) = self.stack.last_mut() {
            if pairs.len() + items.len() / 2 > MAX_KEPT_ITEMS {
                if let Some(top) = self.stack.last_mut() {
                    *top = Value::Other;
                }
                return;
            }
            let pairs = Rc::make_mut(pairs);
            let mut items = items.into_iter();
            while let (Some(key), Some(value)) = (items.next(), items.next()) {
                pairs.push((key, value));
            }
        }
    }

    fn text(bytes: Option<Vec<u8>>) -> Value {
        match bytes {
            Some(bytes) => Value::Text(String::from_utf8_lossy(&bytes).into_owned()),
            None => Value::Other,
        }
    }

    /// Runs to `STOP`; returns the value left on top.
    fn run(&mut self) -> Result<Option<Value>, Stop> {
        let mut opcodes: u64 = 0;
        loop {
            opcodes += 1;
            if opcodes > self.limits.max_opcodes {
                return Err(Stop(format!(
                    "more than {} opcodes",
                    self.limits.max_opcodes
                )));
            }
            let at = self.offset;
            let opcode = self.byte()?;
            match opcode {
                b'.' => return Ok(self.stack.pop()),
                b'(' => self.push(Value::Mark)?,
                b'0' => {
                    self.pop(at)?;
                }
                b'1' => {
                    self.pop_mark(at)?;
                }
                b'2' => {
                    let top = self.stack.last().cloned().ok_or_else(|| {
                        Stop(format!("stack underflow at byte {at} (malformed stream)"))
                    })?;
                    self.push(top)?;
                }
                b'F' => {
                    self.data_line()?;
                    self.push(Value::Other)?;
                }
                b'I' | b'L' => {
                    let line = self.data_line()?.unwrap_or_default();
                    let digits = line.trim_end_matches('L');
                    let value = digits.parse::<i128>().map_or(Value::Other, Value::Integer);
                    self.push(value)?;
                }
                b'J' => {
                    let value = i32::from_le_bytes(self.array::<4>()?);
                    self.push(Value::Integer(i128::from(value)))?;
                }
                b'K' => {
                    let value = self.byte()?;
                    self.push(Value::Integer(i128::from(value)))?;
                }
                b'M' => {
                    let value = u16::from_le_bytes(self.array::<2>()?);
                    self.push(Value::Integer(i128::from(value)))?;
                }
                0x8a | 0x8b => {
                    let length = if opcode == 0x8a {
                        u64::from(self.byte()?)
                    } else {
                        self.u32_le()?
                    };
                    let bytes = self.payload(length)?;
                    let value = match bytes {
                        Some(bytes) if bytes.len() <= 16 => Value::Integer(long_value(&bytes)),
                        _ => Value::Other,
                    };
                    self.push(value)?;
                }
                b'G' => {
                    self.array::<8>()?;
                    self.push(Value::Other)?;
                }
                b'}' => self.push(Value::Dict(Rc::new(Vec::new())))?,
                b')' => self.push(Value::Tuple(Rc::from(Vec::new())))?,
                b'N' | 0x88 | 0x89 | b']' | 0x8f | 0x97 => self.push(Value::Other)?,
                0x98 => {}
                b'P' => {
                    self.data_line()?;
                    self.push(Value::Other)?;
                }
                b'Q' => {
                    self.pop(at)?;
                    self.push(Value::Other)?;
                }
                b'R' => {
                    let arguments = self.pop(at)?;
                    let callable = self.pop(at)?;
                    self.mark_called(&callable);
                    let built = self.built(&callable, &arguments);
                    self.push(built)?;
                }
                b'S' => {
                    let value = match self.data_line()? {
                        Some(line) => Value::Text(python_string_literal(&line)),
                        None => Value::Other,
                    };
                    self.push(value)?;
                }
                b'V' => {
                    let value = self.data_line()?.map_or(Value::Other, Value::Text);
                    self.push(value)?;
                }
                b'T' | b'X' => {
                    let length = self.u32_le()?;
                    let bytes = self.payload(length)?;
                    self.push(Self::text(bytes))?;
                }
                b'U' | 0x8c => {
                    let length = u64::from(self.byte()?);
                    let bytes = self.payload(length)?;
                    self.push(Self::text(bytes))?;
                }
                0x8d => {
                    let length = self.u64_le()?;
                    let bytes = self.payload(length)?;
                    self.push(Self::text(bytes))?;
                }
                b'B' => {
                    let length = self.u32_le()?;
                    self.payload(length)?;
                    self.push(Value::Other)?;
                }
                b'C' => {
                    let length = u64::from(self.byte()?);
                    self.payload(length)?;
                    self.push(Value::Other)?;
                }
                0x8e | 0x96 => {
                    let length = self.u64_le()?;
                    self.payload(length)?;
                    self.push(Value::Other)?;
                }
                b'a' => {
                    self.pop(at)?;
                }
                b'b' => {
                    let state = self.pop(at)?;
                    let wrapper = match self.stack.last() {
                        Some(Value::Object(index)) => {
                            self.is_import(*index, "joblib.numpy_pickle", "NumpyArrayWrapper")
                        }
                        _ => false,
                    };
                    if wrapper {
                        self.joblib_array(&state, at)?;
                    }
                }
                b's' => {
                    let value = self.pop(at)?;
                    let key = self.pop(at)?;
                    self.set_items(vec![key, value]);
                }
                b'u' => {
                    let items = self.pop_mark(at)?;
                    self.set_items(items);
                }
                b'e' | 0x90 => {
                    self.pop_mark(at)?;
                }
                b'd' => {
                    let items = self.pop_mark(at)?;
                    self.push(dict(items))?;
                }
                b't' => {
                    let items = self.pop_mark(at)?;
                    self.push(tuple(items))?;
                }
                b'l' | 0x91 => {
                    self.pop_mark(at)?;
                    self.push(Value::Other)?;
                }
                0x85..=0x87 => {
                    let count = usize::from(opcode - 0x84);
                    let mut items = Vec::with_capacity(count);
                    for _ in 0..count {
                        items.push(self.pop(at)?);
                    }
                    items.reverse();
                    self.push(tuple(items))?;
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let index = self.import(module, name, "GLOBAL", at);
                    self.push(Value::Global(index))?;
                }
                b'i' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let index = self.import(module, name, "INST", at);
                    if let Some(import) = self.imports.get_mut(index) {
                        import.called = true;
                    }
                    self.pop_mark(at)?;
                    self.push(Value::Other)?;
                }
                b'o' => {
                    let items = self.pop_mark(at)?;
                    if let Some(class) = items.first() {
                        self.mark_called(class);
                    }
                    self.push(Value::Other)?;
                }
                0x81 => {
                    let arguments = self.pop(at)?;
                    let class = self.pop(at)?;
                    self.mark_called(&class);
                    let built = self.built(&class, &arguments);
                    self.push(built)?;
                }
                0x92 => {
                    self.pop(at)?;
                    let arguments = self.pop(at)?;
                    let class = self.pop(at)?;
                    self.mark_called(&class);
                    let built = self.built(&class, &arguments);
                    self.push(built)?;
                }
                0x93 => {
                    let name = self.pop(at)?;
                    let module = self.pop(at)?;
                    match (module, name) {
                        (Value::Text(module), Value::Text(name)) => {
                            let index = self.import(module, name, "STACK_GLOBAL", at);
                            self.push(Value::Global(index))?;
                        }
                        _ => {
                            return Err(Stop(format!(
                                "STACK_GLOBAL at byte {at} imports a name computed at load \
                                 time; what it imports cannot be known without running it"
                            )))
                        }
                    }
                }
                0x82..=0x84 => {
                    let code = match opcode {
                        0x82 => u64::from(self.byte()?),
                        0x83 => u64::from(u16::from_le_bytes(self.array::<2>()?)),
                        _ => self.u32_le()?,
                    };
                    // The copyreg extension registry maps codes to callables at load time.
                    let index =
                        self.import("copyreg.extension".to_owned(), code.to_string(), "EXT", at);
                    self.push(Value::Global(index))?;
                }
                b'g' => {
                    let line = self.line()?;
                    let key = line.trim().parse::<u64>().map_err(|_| {
                        Stop(format!("GET at byte {at} has a bad memo key `{line}`"))
                    })?;
                    self.memo_get(key, at)?;
                }
                b'h' => {
                    let key = u64::from(self.byte()?);
                    self.memo_get(key, at)?;
                }
                b'j' => {
                    let key = self.u32_le()?;
                    self.memo_get(key, at)?;
                }
                b'p' => {
                    let line = self.line()?;
                    let key = line.trim().parse::<u64>().map_err(|_| {
                        Stop(format!("PUT at byte {at} has a bad memo key `{line}`"))
                    })?;
                    self.memo_put(key, at)?;
                }
                b'q' => {
                    let key = u64::from(self.byte()?);
                    self.memo_put(key, at)?;
                }
                b'r' => {
                    let key = self.u32_le()?;
                    self.memo_put(key, at)?;
                }
                0x94 => {
                    let key = self.memo.len() as u64;
                    self.memo_put(key, at)?;
                }
                0x95 => {
                    // A frame only announces how many bytes follow; opcodes go on inside it.
                    self.u64_le()?;
                }
                0x80 => {
                    let protocol = self.byte()?;
                    if protocol > 5 {
                        return Err(Stop(format!(
                            "unsupported pickle protocol {protocol} at byte {at}"
                        )));
                    }
                    self.protocol = Some(protocol);
                }
                other => {
                    return Err(Stop(format!(
                        "unknown opcode 0x{other:02x} at byte {at} (not a pickle, or corrupted)"
                    )))
                }
            }
        }
    }
}

/// The size of one item of a NumPy dtype, from its type code.
enum ItemSize {
    Bytes(u64),
    /// An object array: its items are pickled.
    Object,
}

/// `f8`, `<i4`, `|b1`, `<U5` (four bytes a character), `O` / `|O` / `O8`.
fn dtype_item_size(code: &str) -> Option<ItemSize> {
    let code = code.trim_start_matches(['<', '>', '|', '=']);
    let mut characters = code.chars();
    let kind = characters.next()?;
    let digits = characters.as_str();
    if kind == 'O' {
        return Some(ItemSize::Object);
    }
    if kind == '?' && digits.is_empty() {
        return Some(ItemSize::Bytes(1));
    }
    let count: u64 = digits.parse().ok()?;
    match kind {
        'b' | 'i' | 'u' | 'f' | 'c' | 'm' | 'M' | 'S' | 'a' | 'V' => Some(ItemSize::Bytes(count)),
        'U' => count.checked_mul(4).map(ItemSize::Bytes),
        _ => None,
    }
}

/// A little-endian two's-complement integer (`LONG1`, `LONG4`).
fn long_value(bytes: &[u8]) -> i128 {
    let mut value: i128 = 0;
    for (index, byte) in bytes.iter().enumerate() {
        value |= i128::from(*byte) << (8 * index);
    }
    if let Some(last) = bytes.last() {
        if last & 0x80 != 0 && bytes.len() < 16 {
            value -= 1i128 << (8 * bytes.len());
        }
    }
    value
}

/// The text of a protocol-0 `STRING` argument: a Python literal in single or double quotes.
fn python_string_literal(line: &str) -> String {
    let inner = line
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
        .or_else(|| {
            line.strip_prefix('"')
                .and_then(|rest| rest.strip_suffix('"'))
        })
        .unwrap_or(line);
    let mut text = String::with_capacity(inner.len());
    let mut characters = inner.chars();
    while let Some(character) = characters.next() {
        if character != '\\' {
            text.push(character);
            continue;
        }
        match characters.next() {
            Some('n') => text.push('\n'),
            Some('t') => text.push('\t'),
            Some('x') => {
                let digits: String = characters.by_ref().take(2).collect();
                match u8::from_str_radix(&digits, 16) {
                    Ok(byte) => text.push(char::from(byte)),
                    Err(_) => text.push_str(&digits),
                }
            }
            Some(other) => text.push(other),
            None => text.push('\\'),
        }
    }
    text
}

/// Walks consecutive pickle streams from `reader` starting at `first_name`, as `pickle.load`
/// called again on the same file would: after each `STOP`, another stream is walked when the
/// next byte is a `PROTO` opcode. Trailing bytes of any other kind are raw data (PyTorch
/// storages, joblib arrays) that no unpickler reads.
pub fn walk_concatenated(
    reader: &mut dyn Read,
    label: &str,
    max_streams: usize,
) -> Vec<PickleStream> {
    let mut streams = Vec::new();
    let mut offset: u64 = 0;
    let mut peeked: Option<u8> = None;
    for index in 0..max_streams {
        let walk = match peeked.take() {
            Some(first) => {
                let head = [first];
                let mut chained = head.as_slice().chain(&mut *reader);
                walk(&mut chained, WalkLimits::default())
            }
            None => walk(reader, WalkLimits::default()),
        };
        let name = if index == 0 {
            label.to_owned()
        } else {
            format!("{label}, stream {} at byte {offset}", index + 1)
        };
        let complete = walk.complete;
        offset += walk.length;
        streams.push(walk.into_stream(name));
        if !complete {
            break;
        }
        let mut next = [0u8; 1];
        match reader.read(&mut next) {
            Ok(1) if next[0] == 0x80 => peeked = Some(next[0]),
            _ => break,
        }
    }
    streams
}

/// Extensions of files that are pickles whatever their first bytes say.
/// (`.dill` and `.sav` are what dill and scikit-learn's docs name their dumps.)
pub const PICKLE_EXTENSIONS: &[&str] = &["pkl", "pickle", "joblib", "dill", "sav"];

const ID: ExtractorId = "model/pickle";

/// The row of [`crate::extract::FORMATS`]: read by the sniffing reader all weights share.
pub const FORMAT: Format = Format::new(
    ID,
    "Pickle files (.pkl, .pickle, .joblib, .dill, .sav): every import, walked without unpickling",
    FileMatch::Extensions(PICKLE_EXTENSIONS),
    &Weights {
        id: ID,
        extension: WeightsFormat::Pickle,
    },
)
.header_and_digest(weights::SNIFF_BYTES)
.fuzzed_as("pickle", &[Sample::new("model.pkl", Syntax::Binary)]);

#[cfg(test)]
mod tests {
    use super::*;

    fn names(walk: &Walk) -> Vec<String> {
        walk.imports.iter().map(PickleImport::qualified).collect()
    }

    #[test]
    fn protocol_zero_global_and_reduce() {
        let stream = b"cos\nsystem\n(S'echo pwned'\ntR.";
        let walk = walk_bytes(stream);
        assert!(walk.complete, "{:?}", walk.incomplete_reason);
        assert_eq!(names(&walk), ["os.system"]);
        assert!(walk.imports[0].called);
    }

    #[test]
    fn inst_imports_and_calls() {
        let walk = walk_bytes(b"(S'echo pwned'\nios\nsystem\n.");
        assert!(walk.complete);
        assert_eq!(names(&walk), ["os.system"]);
        assert_eq!(walk.imports[0].opcode, "INST");
        assert!(walk.imports[0].called);
    }

    #[test]
    fn stack_global_names_come_from_the_memo() {
        // "builtins" and "eval" are pushed, memoized and popped; STACK_GLOBAL later reads
        // them back with BINGET.
        let mut stream = vec![0x80, 4];
        stream.extend([0x8c, 8]);
        stream.extend(b"builtins");
        stream.push(0x94); // memo 0
        stream.push(b'0');
        stream.extend([0x8c, 4]);
        stream.extend(b"eval");
        stream.push(0x94); // memo 1
        stream.push(b'0');
        stream.extend([b'h', 0, b'h', 1, 0x93]);
        stream.extend([0x8c, 1, b'1', 0x85, b'R', b'.']);
        let walk = walk_bytes(&stream);
        assert!(walk.complete, "{:?}", walk.incomplete_reason);
        assert_eq!(names(&walk), ["builtins.eval"]);
        assert_eq!(walk.imports[0].opcode, "STACK_GLOBAL");
        assert!(walk.imports[0].called);
    }

    #[test]
    fn truncated_unknown_and_computed_streams_are_incomplete() {
        let truncated = walk_bytes(b"cos\nsystem\n(S'echo");
        assert!(!truncated.complete);
        assert_eq!(
            names(&truncated),
            ["os.system"],
            "imports before the cut stay"
        );
        assert!(truncated.incomplete_reason.unwrap().contains("truncated"));
        let unknown = walk_bytes(b"\x80\x02\xff.");
        assert!(unknown
            .incomplete_reason
            .unwrap()
            .contains("unknown opcode 0xff"));
        // STACK_GLOBAL over a value that is not a string.
        let computed = walk_bytes(b"\x80\x04K\x01K\x02\x93.");
        assert!(computed.incomplete_reason.unwrap().contains("computed"));
        let memo_miss = walk_bytes(b"\x80\x02h\x05.");
        assert!(!memo_miss.complete);
    }

    #[test]
    fn integers_and_concatenated_streams() {
        // The legacy PyTorch magic number is a LONG1.
        let magic = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.";
        let walk = walk_bytes(magic);
        assert_eq!(walk.integer, Some(0x1950a86a20f9469cfc6c));
        let mut two = magic.to_vec();
        two.extend(b"\x80\x02K\xe9.raw data");
        let mut reader = two.as_slice();
        let streams = walk_concatenated(&mut reader, "file", 8);
        assert_eq!(streams.len(), 2);
        assert!(streams.iter().all(|stream| stream.complete));
        assert_eq!(long_value(&[0xff]), -1);
        assert_eq!(python_string_literal("'a\\x41\\n'"), "aA\n");
    }

    #[test]
    fn caps_stop_hostile_streams() {
        let deep = vec![b'('; 100];
        let walk = walk(
            &mut deep.as_slice(),
            WalkLimits {
                max_stack: 10,
                ..WalkLimits::default()
            },
        );
        assert!(walk.incomplete_reason.unwrap().contains("stack grows"));
        let long_line = [b"c".as_slice(), &vec![b'a'; 5000]].concat();
        assert!(!walk_bytes(&long_line).complete);
    }
}

#!/usr/bin/env python3
"""Writes airlock's generated model fixtures: one folder per attack technique of issue 21 (and
a benign twin where one makes sense) under tests/fixtures/models-generated/.

Python 3 standard library, plus h5py and py7zr pinned in a virtual environment the script
creates (HDF5 and 7z fixtures); deterministic (fixed zip/tar timestamps, no randomness), so a
rerun changes nothing unless this script changed. `tests/end_to_end/models_generated.rs` holds the
expected verdict of every folder written here; `MANIFEST.tsv` (written too) lists them.

Every malicious payload is live (loading it the way its loader does runs it) but only touches a
*canary*: the file named by the environment variable AIRLOCK_CANARY, else
/tmp/airlock-canary/pwned. Shell payloads run `touch "${AIRLOCK_CANARY:-...}"`; Python payloads
open that path for writing. The end-to-end test scans every fixture with AIRLOCK_CANARY pointing
into its own temporary directory and proves the file never appears.

Nothing is unpickled or loaded here: `pickle.dumps` of an object whose `__reduce__` returns
`(os.system, (command,))` only *records* that call. Names such as `torch.utils.collect_env.run`
are written with hand-assembled GLOBAL opcodes, so neither PyTorch nor NumPy is needed.

`--prove-live DIR` is the opposite check, for a human: it loads three payloads (a plain pickle,
a joblib-style object array, a protocol-0 pickle) with `pickle.load` in a child process whose
AIRLOCK_CANARY points into DIR, and reports whether the canary appeared (it must).
"""

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import tarfile
import types
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "models-generated")
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
TAR_TIME = 1704067200

SHELL = 'touch "${AIRLOCK_CANARY:-/tmp/airlock-canary/pwned}"'
PYTHON = "open(__import__('os').environ.get('AIRLOCK_CANARY', '/tmp/airlock-canary/pwned'), 'w')"

MANIFEST = []


def write(relative, data, technique):
    path = os.path.join(OUT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(path, "wb") as handle:
        handle.write(data)
    MANIFEST.append((relative, technique))


# --- pickle building blocks ----------------------------------------------------------------


def text(value):
    """SHORT_BINUNICODE / BINUNICODE of `value`."""
    data = value.encode()
    if len(data) < 256:
        return b"\x8c" + bytes([len(data)]) + data
    return b"X" + struct.pack("<I", len(data)) + data


def call(module, name, *arguments, protocol=2):
    """A pickle that imports `module.name` with GLOBAL and calls it with string arguments."""
    body = b"c" + module.encode() + b"\n" + name.encode() + b"\n"
    body += b"(" + b"".join(text(argument) for argument in arguments) + b"tR"
    return b"\x80" + bytes([protocol]) + body + b"."


def stack_global_call(module, name, *arguments):
    """Protocol 4: STACK_GLOBAL with a dotted name (the unpickler walks attributes)."""
    body = text(module) + text(name) + b"\x93"
    body += b"(" + b"".join(text(argument) for argument in arguments) + b"tR"
    return b"\x80\x04" + body + b"."


class Evil:
    def __reduce__(self):
        return (os.system, (SHELL,))


def evil_pickle(protocol=4):
    return pickle.dumps(Evil(), protocol=protocol)


def module(name):
    """Registers (once) an empty stand-in module so pickle can name objects inside it."""
    parts = name.split(".")
    for index in range(1, len(parts) + 1):
        dotted = ".".join(parts[:index])
        if dotted not in sys.modules:
            sys.modules[dotted] = types.ModuleType(dotted)
    return sys.modules[name]


def stand_in(module_name, class_name, base=object):
    cls = type(class_name, (base,), {})
    cls.__module__ = module_name
    cls.__qualname__ = class_name
    setattr(module(module_name), class_name, cls)
    return cls


# NumPy as it pickles: `_reconstruct(ndarray, (0,), b'b')` + BUILD, dtypes by REDUCE + BUILD.
NDARRAY = stand_in("numpy", "ndarray")
DTYPE = stand_in("numpy", "dtype")


def _reconstruct(*arguments):
    raise RuntimeError("never called")


_reconstruct.__module__ = "numpy.core.multiarray"
_reconstruct.__qualname__ = "_reconstruct"
module("numpy.core.multiarray")._reconstruct = _reconstruct


class Dtype:
    def __init__(self, code):
        self.code = code

    def __reduce__(self):
        return (DTYPE, (self.code, False, True), (3, "<", None, None, None, -1, -1, 0))


class Array:
    """Pickles as numpy.ndarray does (data inline as bytes)."""

    def __init__(self, code, values):
        self.code = code
        self.values = values

    def raw(self):
        return struct.pack("<%d%s" % (len(self.values), {"f8": "d", "i8": "q"}[self.code]), *self.values)

    def __reduce__(self):
        return (
            _reconstruct,
            (NDARRAY, (0,), b"b"),
            (1, (len(self.values),), Dtype(self.code), False, self.raw()),
        )


LOGISTIC = stand_in("sklearn.linear_model._logistic", "LogisticRegression")
STANDARD_SCALER = stand_in("sklearn.preprocessing._data", "StandardScaler")
PIPELINE = stand_in("sklearn.pipeline", "Pipeline")
XGB = stand_in("xgboost.sklearn", "XGBClassifier")
BOOSTER = stand_in("xgboost.core", "Booster")
LGBM = stand_in("lightgbm.sklearn", "LGBMClassifier")
LGBM_BOOSTER = stand_in("lightgbm.basic", "Booster")
WRAPPER = stand_in("joblib.numpy_pickle", "NumpyArrayWrapper")
MAIN_CONFIG = stand_in("__main__", "TrainingConfig")


def estimator(cls, state):
    instance = cls.__new__(cls)
    instance.__dict__.update(state)
    return instance


def sklearn_pipeline():
    scaler = estimator(
        STANDARD_SCALER,
        {"with_mean": True, "mean_": Array("f8", [0.5, 1.5]), "scale_": Array("f8", [1.0, 2.0])},
    )
    logistic = estimator(
        LOGISTIC,
        {"C": 1.0, "coef_": Array("f8", [0.25, -0.75]), "classes_": Array("i8", [0, 1]), "_sklearn_version": "1.5.2"},
    )
    return estimator(PIPELINE, {"steps": [("scale", scaler), ("model", logistic)], "_sklearn_version": "1.5.2"})


# --- joblib: arrays written raw into the pickle stream, as joblib.numpy_pickle does ----------


class JoblibPickler(pickle._Pickler):
    """joblib's NumpyPickler: an array is pickled as a NumpyArrayWrapper (NEWOBJ + BUILD of
    its state) followed, outside any frame, by a padding-length byte, that many 0xff bytes
    (16-byte alignment) and the raw array data; an object array is a nested pickle instead."""

    def __init__(self, handle, protocol):
        super().__init__(handle, protocol=protocol)
        self.handle = handle

    def save(self, obj, save_persistent_id=True):
        if not isinstance(obj, (Array, ObjectArray)):
            return super().save(obj, save_persistent_id)
        wrapper = WRAPPER.__new__(WRAPPER)
        code = "O" if isinstance(obj, ObjectArray) else obj.code
        wrapper.__dict__.update(
            {
                "subclass": NDARRAY,
                "shape": (len(obj.values),),
                "order": "C",
                "dtype": Dtype(code),
                "allow_mmap": False,
                "numpy_array_alignment_bytes": 16,
            }
        )
        super().save(wrapper, save_persistent_id)
        if self.proto >= 4:
            self.framer.commit_frame(force=True)
        if isinstance(obj, ObjectArray):
            self.handle.write(pickle.dumps(obj.values, protocol=2))
            return
        position = self.handle.tell() + 1
        padding = 16 - (position % 16)
        self.handle.write(bytes([padding]) + b"\xff" * padding)
        self.handle.write(obj.raw())


class ObjectArray:
    def __init__(self, values):
        self.values = values


def joblib_dump(obj, protocol):
    buffer = io.BytesIO()
    JoblibPickler(buffer, protocol).dump(obj)
    return buffer.getvalue()


# --- containers -------------------------------------------------------------------------------


def zip_bytes(entries, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = compression
            archive.writestr(info, data if isinstance(data, bytes) else data.encode())
    return buffer.getvalue()


def tar_bytes(entries, mode="w"):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.USTAR_FORMAT) as archive:
        for name, data in entries:
            data = data if isinstance(data, bytes) else data.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = TAR_TIME
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def gguf_string(value):
    data = value.encode()
    return struct.pack("<Q", len(data)) + data


def gguf(metadata):
    """A version-3 GGUF file with string metadata and one F32 tensor."""
    out = b"GGUF" + struct.pack("<IQQ", 3, 1, len(metadata))
    for key, value in metadata:
        out += gguf_string(key) + struct.pack("<I", 8) + gguf_string(value)
    out += gguf_string("token_embd.weight") + struct.pack("<I", 1) + struct.pack("<Q", 4)
    out += struct.pack("<IQ", 0, 0)
    out += b"\0" * (-len(out) % 32)
    return out + b"\0" * 16


# --- protobuf by hand (ONNX, TensorFlow): field keys and lengths only -------------------------


def varint(value):
    out = b""
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field_bytes(number, data):
    data = data if isinstance(data, bytes) else data.encode()
    return varint(number << 3 | 2) + varint(len(data)) + data


def field_int(number, value):
    return varint(number << 3) + varint(value)


def onnx_model(nodes=b"", initializers=b"", domain_opsets=(("", 17),)):
    """ModelProto: ir_version (1), producer_name (2), graph (7), opset_import (8)."""
    graph = nodes + initializers + field_bytes(2, "g")
    model = field_int(1, 8) + field_bytes(2, "airlock-fixture") + field_bytes(7, graph)
    for domain, version in domain_opsets:
        model += field_bytes(8, (field_bytes(1, domain) if domain else b"") + field_int(2, version))
    return model


def onnx_tensor(name, location, length=None):
    """TensorProto (dims 1: [4], data_type 2: FLOAT) with data_location EXTERNAL (14 = 1) and
    external_data (13) entries `location`, `offset` and, when given, `length`."""
    tensor = field_int(1, 4) + field_int(2, 1) + field_bytes(8, name)
    tensor += field_bytes(13, field_bytes(1, "location") + field_bytes(2, location))
    tensor += field_bytes(13, field_bytes(1, "offset") + field_bytes(2, "0"))
    if length is not None:
        tensor += field_bytes(13, field_bytes(1, "length") + field_bytes(2, str(length)))
    return tensor + field_int(14, 1)


def onnx_external_tensor(name, location, length=None):
    """A graph initializer (GraphProto field 5) stored outside the model file."""
    return field_bytes(5, onnx_tensor(name, location, length))


def onnx_constant_node(tensor):
    """A Constant node (NodeProto 1) whose attribute `value` (AttributeProto: name 1, type 20 =
    TENSOR, t 5) is `tensor`: onnx loads external data of attribute tensors too."""
    attribute = field_bytes(1, "value") + field_int(20, 4) + field_bytes(5, tensor)
    node = field_bytes(2, "y") + field_bytes(4, "Constant") + field_bytes(5, attribute)
    return field_bytes(1, node)


def onnx_node(op_type, domain=""):
    node = field_bytes(1, "x") + field_bytes(2, "y") + field_bytes(4, op_type)
    if domain:
        node += field_bytes(7, domain)
    return field_bytes(1, node)


def saved_model(ops):
    """SavedModel (1: saved_model_schema_version, 2: meta_graphs) holding one MetaGraphDef whose
    GraphDef (2) has one NodeDef (1: name, 2: op) per op."""
    graph = b"".join(field_bytes(1, field_bytes(1, "node%d" % index) + field_bytes(2, op)) for index, op in enumerate(ops))
    meta_graph = field_bytes(2, graph)
    return field_int(1, 1) + field_bytes(2, meta_graph)


# --- HDF5 (Keras .h5) through a pinned h5py in a virtual environment this script creates -----

H5PY = "h5py==3.12.1"
PY7ZR = "py7zr==1.1.4"
H5_WRITER = """
import json, sys, h5py, numpy
spec = json.load(sys.stdin)
# No timestamps in object headers (version 2 headers would carry the time of writing).
fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
fcpl.set_obj_track_times(False)
fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
bounds = {"earliest": h5py.h5f.LIBVER_EARLIEST, "latest": h5py.h5f.LIBVER_LATEST}[spec["libver"]]
fapl.set_libver_bounds(bounds, h5py.h5f.LIBVER_LATEST)
with h5py.File(h5py.h5f.create(sys.argv[1].encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)) as handle:
    handle.attrs["keras_version"] = "2.15.0"
    handle.attrs["backend"] = "tensorflow"
    for name, value in spec["before"]:
        handle.attrs[name] = value
    if spec["padding"]:
        handle.create_dataset("padding", data=numpy.zeros(spec["padding"], dtype="uint8"), track_times=False)
    handle.attrs["model_config"] = spec["config"]
    if spec["libver"] == "latest":
        gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
        gcpl.set_obj_track_times(False)
        weights = h5py.Group(h5py.h5g.create(handle.id, b"model_weights", gcpl=gcpl))
        dense = h5py.Group(h5py.h5g.create(weights.id, b"dense", gcpl=gcpl))
        dense.create_dataset("kernel", data=[[0.5, 1.0]], track_times=False)
    else:
        handle.create_group("model_weights").create_dataset("dense/kernel", data=[[0.5, 1.0]], track_times=False)
"""


def fixture_python():
    """The virtual environment's Python (AIRLOCK_FIXTURE_VENV, default /tmp/airlock-fixture-venv),
    created with the pinned H5PY and PY7ZR on first use (and completed if one is missing)."""
    venv = os.environ.get("AIRLOCK_FIXTURE_VENV", "/tmp/airlock-fixture-venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    installed = subprocess.run([python, "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    missing = [package for package in (H5PY, PY7ZR) if package not in installed.split()]
    if missing:
        subprocess.run([python, "-m", "pip", "install", "-q", *missing], check=True)
    return python


SEVEN_ZIP_WRITER = """
import json, sys, py7zr, py7zr.helpers, py7zr.compressor
# Deterministic: py7zr stamps entries written from memory with the current time, and draws an
# AES salt and IV at random; both are fixed here (the archives are test data, not secrets).
fixed = py7zr.helpers.ArchiveTimestamp.from_datetime(1704067200)
py7zr.helpers.ArchiveTimestamp.from_now = classmethod(lambda cls: fixed)
py7zr.compressor.get_random_bytes = lambda length: bytes(length)
spec = json.load(sys.stdin)
filters = [{"id": getattr(py7zr, name)} for name in spec["filters"]] if spec["filters"] else None
with py7zr.SevenZipFile(sys.argv[1], "w", filters=filters, password=spec["password"]) as archive:
    for name, hex_data in spec["entries"]:
        archive.writestr(bytes.fromhex(hex_data), name)
"""


def seven_zip(entries, filters=None, password=None):
    """A 7z archive written by the pinned py7zr (LZMA2 by default, solid, header compressed):
    `entries` are (name, bytes); `filters` names py7zr filter constants (FILTER_BZIP2, ...);
    `password` encrypts with AES."""
    import tempfile

    python = fixture_python()
    spec = {"entries": [(name, data.hex()) for name, data in entries], "filters": filters, "password": password}
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "archive.7z")
        subprocess.run([python, "-c", SEVEN_ZIP_WRITER, path], input=json.dumps(spec).encode(), check=True)
        with open(path, "rb") as handle:
            return handle.read()


def seven_zip_declaring(name, data, declared):
    """A hand-assembled 7z (copy coder, plain header) whose one entry declares `declared`
    unpacked bytes while only `data` is stored: a decompression bomb's declaration, written
    without writing the bomb."""
    import zlib

    def number(value):
        # 7z's variable-length number: 0xFF and eight little-endian bytes (always valid).
        return b"\xff" + struct.pack("<Q", value)

    packed = data
    header = (
        b"\x01"  # Header
        + b"\x04"  # MainStreamsInfo
        + b"\x06" + number(0) + number(1) + b"\x09" + number(len(packed)) + b"\x00"  # PackInfo
        + b"\x07\x0b" + number(1) + b"\x00"  # UnpackInfo, one folder, not external
        + number(1) + b"\x01\x00"  # one simple coder: Copy (id 00)
        + b"\x0c" + number(declared) + b"\x00"  # its unpack size; end of UnpackInfo
        + b"\x08\x0d" + number(1) + b"\x00"  # SubStreamsInfo: one file in the folder
        + b"\x00"  # end of StreamsInfo
        + b"\x05" + number(1)  # FilesInfo, one file
        + b"\x11" + number(len(name) * 2 + 3) + b"\x00" + name.encode("utf-16-le") + b"\x00\x00"
        + b"\x00"  # end of FilesInfo properties
        + b"\x00"  # end of Header
    )
    start = struct.pack("<QQI", len(packed), len(header), zlib.crc32(header))
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start + packed + header


def keras_h5(config, before=(), padding=0, libver="earliest"):
    """A Keras 2 `model.save("m.h5")` layout written by h5py (deterministic: no timestamps):
    root attributes keras_version, backend and model_config (a variable-length string), and a
    model_weights group. `before` are (name, JSON value) root attributes written before
    model_config, and `padding` bytes of a dataset between them (so model_config's heap lands
    past them). h5py comes from the virtual environment at AIRLOCK_FIXTURE_VENV
    (default /tmp/airlock-fixture-venv), created with H5PY on first use."""
    python = fixture_python()
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.h5")
        spec = {"config": json.dumps(config), "before": [(name, json.dumps(value)) for name, value in before], "padding": padding, "libver": libver}
        subprocess.run([python, "-c", H5_WRITER, path], input=json.dumps(spec).encode(), check=True)
        with open(path, "rb") as handle:
            return handle.read()


# --- the fixtures ----------------------------------------------------------------------------


def keras_archive(config):
    return zip_bytes(
        [
            ("metadata.json", json.dumps({"keras_version": "3.5.0", "date_saved": "2024-01-01@00:00:00"})),
            ("config.json", json.dumps(config, indent=1)),
            ("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 24),
        ]
    )


def keras_config(layers):
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": layers},
        "registered_name": None,
    }


DENSE = {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2}, "registered_name": None}

EVIL_TEMPLATE = (
    "{% for message in messages %}{{ message['content'] }}{% endfor %}\n"
    "{{ cycler.__init__.__globals__.os.popen('" + SHELL.replace("'", "") + "').read() }}\n"
)
BENIGN_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] | trim + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SUBCLASSES_TEMPLATE = (
    "{%- set messages = messages -%}\n"
    "{{ ''.__class__.__mro__[1].__subclasses__()[133].__init__.__globals__['sys'].modules['os'].system('id') }}\n"
)


def main():
    evil = evil_pickle()
    benign_state = pickle.dumps({"weight": [0.5, 1.5], "step": 3}, protocol=4)

    # Deliver 1: content first.
    write("ext-dill/model.dill", evil, "pickle named .dill")
    write("ext-sav/model.sav", evil, "pickle named .sav (scikit-learn's habit)")
    write("ext-dat/weights.dat", evil, "pickle named .dat")
    write(
        "ext-pth-tar/checkpoint.pth.tar",
        zip_bytes([("archive/data.pkl", evil), ("archive/version", b"3\n")]),
        "torch.save zip named checkpoint.pth.tar",
    )
    write("ext-sav-benign/model.sav", benign_state, "benign pickle named .sav")
    write("no-extension/pytorch_model", evil, "pickle without an extension")
    write("h5-named-pickle/model.h5", evil, "pickle named .h5")
    long_line = b"S'" + b"A" * 5000 + b"'\n0" + b"cos\nsystem\n(S'" + SHELL.encode() + b"'\ntR."
    write("bin-protocol0-long-line/pytorch_model.bin", long_line, "protocol 0 .bin, 5000-byte text line before os.system")
    write(
        "bin-pickle-lookalike/pytorch_model.bin",
        b"(lp0\nI1\naI2\na" + b"\xfe\xfd" * 40,
        ".bin that starts like a pickle and breaks off",
    )
    write(
        "zip-container/bundle.zip",
        zip_bytes([("README.txt", "weights"), ("inner/model.pkl", evil)], zipfile.ZIP_DEFLATED),
        "pickle inside a generic deflated .zip",
    )
    write(
        "zip-container-benign/bundle.zip",
        zip_bytes([("README.txt", "weights"), ("inner/model.pkl", benign_state)], zipfile.ZIP_DEFLATED),
        "benign pickle inside a .zip",
    )
    write("tar-container/bundle.tar", tar_bytes([("inner/model.pkl", evil)]), "pickle inside a .tar")
    write(
        "nested-container/outer.zip",
        zip_bytes([("inner.tar", tar_bytes([("deep/model.pkl", evil)]))]),
        "pickle in a tar in a zip",
    )

    # Deliver 2: allowlists that cannot be widened into danger (scanned with torch.*/numpy.* allowed).
    bypasses = [
        ("torch-collect-env", call("torch.utils.collect_env", "run", SHELL), "GHSA-f745-w6jp-hpxx"),
        (
            "torch-inductor-compile-file",
            b"\x80\x02ctorch._inductor.codecache\ncompile_file\n(" + text("") + text("") + b"(" + text("sh") + text("-c") + text(SHELL) + b"ltR.",
            "picklescan list: torch._inductor.codecache.compile_file",
        ),
        ("torch-execwrapper", call("torch.jit.unsupported_tensor_ops", "execWrapper", PYTHON), "GHSA-vr7h-p6mm-wpmh"),
        ("torch-serialization-load", call("torch.serialization", "load", "other.pt"), "nested torch.load"),
        ("numpy-f2py", call("numpy.f2py.crackfortran", "getlincoef", PYTHON, "{}"), "numpy.f2py eval helpers"),
        ("numpy-testing-runstring", call("numpy.testing._private.utils", "runstring", PYTHON, "{}"), "numpy runstring = exec"),
        ("torch-dotted-stack-global", stack_global_call("torch", "utils.collect_env.run", SHELL), "dotted STACK_GLOBAL name"),
        ("functools-partial", call("functools", "partial", "x"), "functools.partial wraps any callable"),
    ]
    for name, data, technique in bypasses:
        write("allowlist-bypass-%s/model.pkl" % name, data, "allowlist bypass: " + technique)

    # Deliver 2: safe profiles and joblib.
    write("sklearn-pipeline/model.pkl", pickle.dumps(sklearn_pipeline(), protocol=4), "scikit-learn pipeline (benign)")
    xgb = estimator(XGB, {"n_estimators": 10, "_Booster": estimator(BOOSTER, {"handle": b"\0" * 8})})
    write("xgboost-model/model.pkl", pickle.dumps(xgb, protocol=4), "XGBoost classifier (benign)")
    lgbm = estimator(LGBM, {"n_estimators": 10, "_Booster": estimator(LGBM_BOOSTER, {"model_str": "tree"})})
    write("lightgbm-model/model.pkl", pickle.dumps(lgbm, protocol=4), "LightGBM classifier (benign)")
    for protocol in (2, 4):
        write(
            "joblib-inline-arrays-p%d/model.joblib" % protocol,
            joblib_dump({"coef": Array("f8", [0.1, 0.2, 0.3]), "classes": Array("i8", [0, 1, 2, 3, 4])}, protocol),
            "joblib file with raw arrays inside the stream (benign)",
        )
    write(
        "joblib-object-array-evil/model.joblib",
        joblib_dump({"coef": Array("f8", [0.1]), "labels": ObjectArray([Evil()])}, 2),
        "joblib object array: a nested pickle calling os.system",
    )
    write("builtins-len/model.pkl", call("builtins", "len", "abc"), "builtins.len (harmless)")
    config = estimator(MAIN_CONFIG, {"epochs": 3})
    write("main-class/model.pkl", pickle.dumps(config, protocol=4), "a class of the loading script (__main__)")

    # Deliver 3: chat templates.
    write(
        "gguf-template-evil/model.gguf",
        gguf([("general.architecture", "llama"), ("tokenizer.chat_template", EVIL_TEMPLATE)]),
        "GGUF tokenizer.chat_template with a cycler gadget",
    )
    write(
        "gguf-template-benign/model.gguf",
        gguf([("general.architecture", "llama"), ("tokenizer.chat_template", BENIGN_TEMPLATE)]),
        "GGUF with a ChatML template (benign)",
    )
    model_config = json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"}, indent=2)
    write("tokenizer-config-evil/config.json", model_config, "config beside the tokenizer")
    write(
        "tokenizer-config-evil/tokenizer_config.json",
        json.dumps({"tokenizer_class": "LlamaTokenizer", "chat_template": SUBCLASSES_TEMPLATE}, indent=2),
        "tokenizer_config.json chat_template walking __subclasses__",
    )
    write("tokenizer-config-benign/config.json", model_config, "config beside the tokenizer")
    write(
        "tokenizer-config-benign/tokenizer_config.json",
        json.dumps({"tokenizer_class": "LlamaTokenizer", "chat_template": BENIGN_TEMPLATE}, indent=2),
        "tokenizer_config.json with a ChatML template (benign)",
    )
    write("chat-template-jinja-evil/config.json", model_config, "config beside the template")
    write(
        "chat-template-jinja-evil/chat_template.jinja",
        "{% for message in messages %}{{ message.content }}{% endfor %}\n"
        "{{ self._TemplateReference__context.joiner.__init__.__globals__.os.popen('id').read() }}\n",
        "chat_template.jinja reaching os through joiner",
    )

    # 7z containers (py7zr's defaults: LZMA2, one solid folder, compressed header).
    readme = b"# weights\nA model bundle.\n" * 40
    write("7z-container/bundle.7z", seven_zip([("README.md", readme), ("model/model.pkl", evil)]), "pickle inside a solid LZMA2 .7z, after a text entry")
    write("7z-container-benign/bundle.7z", seven_zip([("README.md", readme), ("model/model.pkl", benign_state)]), "benign pickle inside a .7z")
    write("7z-nested/outer.zip", zip_bytes([("inner/bundle.7z", seven_zip([("model.pkl", evil)]))]), "pickle in a .7z in a .zip")
    write("7z-bzip2/bundle.7z", seven_zip([("model.pkl", evil)], filters=["FILTER_BZIP2"]), "7z compressed with BZip2 (a codec airlock does not decompress)")
    write("7z-encrypted/bundle.7z", seven_zip([("model.pkl", evil)], password="airlock"), "AES-encrypted 7z holding a pickle")
    write(
        "7z-declared-bomb/bomb.7z",
        seven_zip_declaring("model.pkl", evil, 64 * 1024 * 1024 * 1024),
        "7z whose one entry declares 64 GiB unpacked (a decompression bomb's header)",
    )

    # gzip streams (fixed mtime, no file name in the header: deterministic).
    import gzip

    def gz(data):
        return gzip.compress(data, mtime=0)

    write("gzip-pickle/model.pkl.gz", gz(evil), "gzip of a pickle")
    # (`.tar.gz` is a Python sdist's name, read by that row; `.tgz` is walked.)
    write("gzip-tar/checkpoint.tgz", gz(tar_bytes([("./model/model.pkl", evil)])), "pickle in a gzip-compressed tar")
    write("gzip-tar-benign/bundle.tgz", gz(tar_bytes([("./README.md", readme), ("./model/model.pkl", benign_state)])), "benign pickle in a .tgz")

    # Deliver 4: Keras, TensorFlow, ONNX, TorchScript, NeMo.
    lambda_layer = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": PYTHON}}},
        "registered_name": None,
    }
    write("keras-lambda/model.keras", keras_archive(keras_config([DENSE, lambda_layer])), ".keras with a Lambda layer")
    foreign = {"module": "os", "class_name": "system", "config": {"command": SHELL}, "registered_name": "os>system"}
    write("keras-foreign-module/model.keras", keras_archive(keras_config([foreign])), ".keras naming a module outside keras")
    write("keras-benign/model.keras", keras_archive(keras_config([DENSE])), ".keras with a Dense layer (benign)")
    write("keras-h5-lambda/model.h5", keras_h5(keras_config([DENSE, lambda_layer])), "Keras .h5 whose model_config has a Lambda layer")
    write("keras-h5-benign/model.h5", keras_h5(keras_config([DENSE])), "Keras .h5 with a Dense layer (benign)")
    benign_config = keras_config([DENSE])
    write(
        "keras-h5-decoy-first/model.h5",
        keras_h5(keras_config([DENSE, lambda_layer]), before=[("decoy_config", benign_config)]),
        "Keras .h5: a benign config JSON first, the real model_config (Lambda) after it",
    )
    write(
        "keras-h5-libver-latest/model.h5",
        keras_h5(keras_config([DENSE, lambda_layer]), libver="latest"),
        "Keras .h5 written with HDF5's newest structures (superblock 3, object header 2), Lambda",
    )
    write(
        "keras-h5-beyond-window/model.h5",
        # 80 layers: larger than the room left in the decoy's heap collection, so the real
        # config gets a collection of its own at the end of the file.
        keras_h5(keras_config([DENSE] * 80 + [lambda_layer]), before=[("decoy_config", benign_config)], padding=17 * 1024 * 1024),
        "Keras .h5: a benign decoy config in the first 16 MiB, the real model_config (Lambda) after 17 MiB",
    )
    write("savedmodel-pyfunc/saved_model.pb", saved_model(["Placeholder", "PyFunc", "ReadFile"]), "SavedModel with PyFunc and ReadFile")
    write("savedmodel-benign/saved_model.pb", saved_model(["Placeholder", "MatMul", "Identity"]), "SavedModel with math ops (benign)")
    write(
        "onnx-external-traversal/model.onnx",
        onnx_model(initializers=onnx_external_tensor("w", "../../../../etc/passwd")),
        "ONNX external_data location walking out of the model folder",
    )
    write(
        "onnx-external-absolute/model.onnx",
        onnx_model(nodes=onnx_constant_node(onnx_tensor("c", "/etc/hostname"))),
        "ONNX Constant node attribute whose external_data location is absolute",
    )
    write(
        "onnx-external-benign/model.onnx",
        onnx_model(initializers=onnx_external_tensor("w", "model.onnx.data", 16)),
        "ONNX initializer stored in model.onnx.data beside it (benign)",
    )
    write("onnx-external-benign/model.onnx.data", struct.pack("<4f", 0.5, 1.0, 1.5, 2.0), "external tensor data (4 float32)")
    write(
        "onnx-custom-domain/model.onnx",
        onnx_model(nodes=onnx_node("RunShell", "com.attacker"), domain_opsets=(("", 17), ("com.attacker", 1))),
        "ONNX node in a non-standard operator domain",
    )
    write("onnx-benign/model.onnx", onnx_model(nodes=onnx_node("Relu")), "ONNX with a Relu node (benign)")
    write(
        "torchscript-code/model.pt",
        zip_bytes(
            [
                ("model/data.pkl", pickle.dumps({}, protocol=2)),
                ("model/code/__torch__/m.py", "def forward(self, x):\n    __import__('os').system('id')\n    return torch.relu(x)\n"),
                ("model/version", b"3\n"),
            ]
        ),
        "TorchScript archive whose code/ calls os.system",
    )
    write(
        "nemo-target/model.nemo",
        tar_bytes([("./model_config.yaml", "target: x\nencoder:\n  _target_: os.system\n  command: id\n")]),
        ".nemo with a Hydra _target_ outside NeMo",
    )
    write(
        "nemo-benign/model.nemo",
        tar_bytes([("./model_config.yaml", "encoder:\n  _target_: nemo.collections.asr.modules.ConformerEncoder\n  d_model: 4\n")]),
        ".nemo with a NeMo _target_ (benign)",
    )

    # Deliver 5: model risk joined to the lock.
    sklearn = pickle.dumps(sklearn_pipeline(), protocol=4)
    write("lock-join-torch-old/requirements.txt", "torch==2.5.1\n", "the project locks torch below 2.6")
    write("lock-join-torch-old/model.pkl", sklearn, "a pickle with an import outside the allowlist")
    write("lock-join-torch-new/requirements.txt", "torch==2.6.0\n", "the project locks torch 2.6")
    write("lock-join-torch-new/model.pkl", sklearn, "a pickle with an import outside the allowlist")

    # The loader of the model's own project counts, not another project's in the same scan.
    write("lock-join-two-projects/trainer/requirements.txt", "torch==2.5.1\n", "one project locks torch below 2.6 and holds no model")
    write("lock-join-two-projects/server/model.pkl", sklearn, "another project's pickle, no lock of its own")
    write("lock-join-nearest/requirements.txt", "torch==2.5.1\n", "the outer project locks torch below 2.6")
    write("lock-join-nearest/service/requirements.txt", "torch==2.6.0\n", "the nearest project locks torch 2.6")
    write("lock-join-nearest/service/model.pkl", sklearn, "a pickle of the nearest project")

    h5_lambda = keras_h5(keras_config([DENSE, lambda_layer]))
    write("lock-join-keras-h5/requirements.txt", "keras==3.10.0\n", "the project locks keras 3.10 (fixed for CVE-2025-1550, not for CVE-2025-9905)")
    write("lock-join-keras-h5/model.h5", h5_lambda, "Keras .h5 with a Lambda layer")

    traversal = onnx_model(initializers=onnx_external_tensor("w", "../../../../etc/passwd"))
    write("lock-join-onnx-old/requirements.txt", "onnx==1.15.0\n", "the project locks onnx below 1.16")
    write("lock-join-onnx-old/model.onnx", traversal, "ONNX external_data traversal")
    write("lock-join-onnx-new/requirements.txt", "onnx==1.16.0\n", "the project locks onnx 1.16")
    write("lock-join-onnx-new/model.onnx", traversal, "ONNX external_data traversal")
    write("lock-join-transformers-old/requirements.txt", "transformers==4.37.2\n", "the project locks transformers below 4.38")
    write("lock-join-transformers-old/model.pkl", sklearn, "a pickle with an import outside the allowlist")

    # Deliver 6: every file of a model hashed.
    write("hashed-configs/config.json", model_config, "config.json of a model")
    write("hashed-configs/tokenizer.json", json.dumps({"version": "1.0", "model": {"type": "BPE"}}), "tokenizer.json")
    write("hashed-configs/model.safetensors", struct.pack("<Q", 8) + b"{}      ", "empty safetensors")

    with open(os.path.join(OUT, "MANIFEST.tsv"), "w") as handle:
        handle.write("# path\ttechnique (written by scripts/make-model-fixtures.py)\n")
        for relative, technique in sorted(MANIFEST):
            handle.write("%s\t%s\n" % (relative, technique))


def prove_live(directory):
    """Loads three payloads with pickle in a child process; the canary must appear."""
    canary = os.path.join(directory, "canary")
    payloads = {
        "pickle": evil_pickle(),
        "protocol0-long-line": open(os.path.join(OUT, "bin-protocol0-long-line/pytorch_model.bin"), "rb").read(),
    }
    for name, data in payloads.items():
        if os.path.exists(canary):
            os.remove(canary)
        child = "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"
        subprocess.run([sys.executable, "-c", child], input=data, env=dict(os.environ, AIRLOCK_CANARY=canary), check=False)
        print("%s: canary %s" % (name, "appeared (payload is live)" if os.path.exists(canary) else "MISSING"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--prove-live":
        prove_live(sys.argv[2])
    else:
        main()

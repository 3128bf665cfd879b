#!/usr/bin/env python3
"""Independent reader of TensorBoard event files, for the tests of src/training/tensorboard.

It shares nothing with the TypeScript writer: its own CRC-32C, its own TFRecord framing, and Event / Summary /
SessionLog built with google.protobuf's descriptor_pb2 from the field numbers of tensorflow/core/util/event.proto and
core/framework/summary.proto (Debian's python3-protobuf; no TensorFlow or TensorBoard needed).

usage: read_tfevents.py PATH   (an event file, or a folder whose *tfevents* files are read in name order)
Prints JSON: {"files": [{"name", "file_version", "events": [{"step", "wall_time", "session_status"?,
"scalars": [{"tag", "value"}]}]}]}; non-finite values as the strings "NaN", "Infinity", "-Infinity".
Exits 2 naming the file and offset when a length or data CRC does not match or a record is truncated.
"""
import json
import math
import os
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _messages():
    f = descriptor_pb2.FieldDescriptorProto
    fd = descriptor_pb2.FileDescriptorProto(name="tfevents_reader.proto", package="tensorflow", syntax="proto3")

    def message(name, fields):
        m = fd.message_type.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            field = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = type_name
        return m

    opt, rep = f.LABEL_OPTIONAL, f.LABEL_REPEATED
    summary = message("Summary", [("value", 1, f.TYPE_MESSAGE, rep, ".tensorflow.Summary.Value")])
    value = summary.nested_type.add(name="Value")
    value.field.add(name="tag", number=1, type=f.TYPE_STRING, label=opt)
    # simple_value is a member of Value's oneof "value" in summary.proto: it has presence, so a 0.0 is written and read.
    value.oneof_decl.add(name="value")
    value.field.add(name="simple_value", number=2, type=f.TYPE_FLOAT, label=opt, oneof_index=0)
    message("SessionLog", [("status", 1, f.TYPE_INT32, opt, None), ("checkpoint_path", 2, f.TYPE_STRING, opt, None), ("msg", 3, f.TYPE_STRING, opt, None)])
    message("Event", [
        ("wall_time", 1, f.TYPE_DOUBLE, opt, None),
        ("step", 2, f.TYPE_INT64, opt, None),
        ("file_version", 3, f.TYPE_STRING, opt, None),
        ("summary", 5, f.TYPE_MESSAGE, opt, ".tensorflow.Summary"),
        ("session_log", 7, f.TYPE_MESSAGE, opt, ".tensorflow.SessionLog"),
    ])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    desc = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


Event = _messages()


class RecordError(Exception):
    pass


def records(data, where):
    at = 0
    while at < len(data):
        if len(data) - at < 12:
            raise RecordError(f"{where}: truncated record header at byte {at}")
        (length,) = struct.unpack_from("<Q", data, at)
        (length_crc,) = struct.unpack_from("<I", data, at + 8)
        if length_crc != masked_crc32c(data[at:at + 8]):
            raise RecordError(f"{where}: length CRC mismatch at byte {at}")
        if len(data) - at < 12 + length + 4:
            raise RecordError(f"{where}: truncated record data at byte {at}")
        payload = data[at + 12:at + 12 + length]
        (data_crc,) = struct.unpack_from("<I", data, at + 12 + length)
        if data_crc != masked_crc32c(payload):
            raise RecordError(f"{where}: data CRC mismatch in the record at byte {at}")
        yield payload
        at += 12 + length + 4


def number(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def read_file(path):
    out = {"name": os.path.basename(path), "file_version": None, "events": []}
    with open(path, "rb") as fh:
        data = fh.read()
    for i, payload in enumerate(records(data, path)):
        event = Event()
        event.ParseFromString(payload)
        if event.file_version:
            if i == 0:
                out["file_version"] = event.file_version
            continue
        e = {"step": event.step, "wall_time": event.wall_time,
             "scalars": [{"tag": v.tag, "value": number(v.simple_value)} for v in event.summary.value if v.HasField("simple_value")]}
        if event.HasField("session_log"):
            e["session_status"] = event.session_log.status
        out["events"].append(e)
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 1
    target = argv[1]
    paths = [os.path.join(target, n) for n in sorted(os.listdir(target)) if "tfevents" in n] if os.path.isdir(target) else [target]
    try:
        files = [read_file(p) for p in paths]
    except RecordError as e:
        print(str(e), file=sys.stderr)
        return 2
    json.dump({"files": files}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

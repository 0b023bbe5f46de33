"""A wirechat client in Python, from src/main/proto/wirechat/v1/chat.proto alone (GrpcPythonClientTest runs it).

usage: python3 python_client.py STUBS_DIR PORT
Registers two people, sends, receives by Subscribe, acknowledges, checks an error's trailers; prints "ok".
"""
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from wirechat.v1 import chat_pb2 as pb, chat_pb2_grpc as rpc  # noqa: E402

channel = grpc.insecure_channel("127.0.0.1:" + sys.argv[2])
chat = rpc.ChatStub(channel)


def bearer(token):
    return [("authorization", "Bearer " + token)]


info = chat.ServerInfo(pb.ServerInfoRequest(), timeout=30)
assert 1 in info.wire_versions, info
for name in ("alice", "bob"):
    chat.CreateAccount(pb.CreateAccountRequest(username=name, full_name=name.title(), password="correct horse"), timeout=30)
alice = chat.Login(pb.LoginRequest(username="alice", password="correct horse"), timeout=30).token
bob = chat.Login(pb.LoginRequest(username="bob", password="correct horse"), timeout=30).token

sent = chat.Send(pb.SendRequest(recipient="bob", client_message_id="py-1", body="hello from Python ✓"),
                 metadata=bearer(alice), timeout=30)
stream = chat.Subscribe(pb.SubscribeRequest(after_id=0), metadata=bearer(bob), timeout=30)
pushed = next(stream)
assert (pushed.id, pushed.sender, pushed.body) == (sent.id, "alice", "hello from Python ✓"), pushed
stream.cancel()
chat.Ack(pb.AckRequest(through_id=pushed.id), metadata=bearer(bob), timeout=30)
left = chat.Fetch(pb.FetchRequest(max_count=10, max_wait_ms=0), metadata=bearer(bob), timeout=30)
assert len(left.messages) == 0, left

try:
    chat.Send(pb.SendRequest(recipient="nobody", client_message_id="py-2", body="lost?"), metadata=bearer(alice), timeout=30)
    raise AssertionError("a send to nobody was accepted")
except grpc.RpcError as e:
    assert e.code() == grpc.StatusCode.NOT_FOUND, e.code()
    trailers = dict(e.trailing_metadata())
    assert trailers.get("wirechat-error") == "33" and trailers.get("wirechat-error-name") == "NO_SUCH_USER", trailers
print("ok")

"""The lab's AWS endpoint: moto's server, mended to take gzip request bodies as AWS does.

The awslogs agent (use_gzip_http_content_encoding = true, its default) sends PutLogEvents bodies over 1 KiB
with `Content-Encoding: gzip`, compressed before they are signed. moto 5.x in server mode inflates such a
body in a before_request hook, then inflates it again in BaseResponse.setup_class (HTTP 500), and its
signature check would hash the inflated body where the client signed the gzip bytes. Here the hook keeps the
bytes as sent, setup_class does not inflate twice, and the signature is checked over the bytes as sent.
Arguments are moto.server's (`-H HOST -p PORT`).
"""
import gzip
import io
import sys

KEY = "awslogs_lab.gzip_body"


def mend():
    import flask
    from moto.core import responses
    from moto.moto_server import werkzeug_app

    def decompress_request_body():
        if flask.current_app.service == "s3":
            return
        if flask.request.content_encoding == "gzip":
            sent = flask.request.stream.read()
            flask.request.environ[KEY] = sent
            flask.request.stream = gzip.GzipFile(fileobj=io.BytesIO(sent))
            flask.request.get_data(parse_form_data=True)

    original = responses.BaseResponse.setup_class

    def setup_class(self, request, full_url, headers, use_raw_body=False):
        sent = getattr(request, "environ", {}).get(KEY)
        if sent is None:
            return original(self, request, full_url, headers, use_raw_body)
        allowed = self.allow_request_decompression
        self.allow_request_decompression = False  # the hook has inflated it once already
        try:
            original(self, request, full_url, headers, use_raw_body)
        finally:
            self.allow_request_decompression = allowed
        self.raw_body = sent  # what the client signed

    if not hasattr(werkzeug_app, "decompress_request_body") or not hasattr(responses, "gzip_decompress"):
        raise AttributeError("this moto has no decompress_request_body / gzip_decompress where 5.2 has them")
    werkzeug_app.decompress_request_body = decompress_request_body
    responses.BaseResponse.setup_class = setup_class


if __name__ == "__main__":
    try:
        mend()
    except Exception as e:  # another moto: run it as it is, and say so in its log
        sys.stderr.write("moto-lab-server: gzip bodies not mended (%r); moto runs unchanged\n" % (e,))
    from moto.server import main

    main(sys.argv[1:])

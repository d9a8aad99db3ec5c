"""An upload handler that refuses files beyond a size limit without storing them."""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitUploadHandler(FileUploadHandler):
    """Placed first: once the request (by its Content-Length) or the bytes
    received pass the limit, the upload stops and the rest of the body is
    discarded unread into any file. The view then says why."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        request.upload_too_large = False

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        # Allow some slack for the multipart envelope and other form fields.
        if content_length and content_length > self.limit + 64 * 1024:
            self.request.upload_too_large = True
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.request.upload_too_large or self.received > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None

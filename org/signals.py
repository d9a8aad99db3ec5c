"""Signals org sends so that higher apps (training assigns courses) can react
without org importing them. Sent after the transaction commits."""

from django.dispatch import Signal

# staff_ids: ids of StaffProfiles that joined or whose department or position changed
staff_changed = Signal()

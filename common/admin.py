"""The admin's frame. Staff read times in Korean time (TIME_ZONE, Asia/Seoul), unlike the API's UTC,
so every admin page says which."""

from django.contrib import admin

admin.site.site_header = "SalesOne 관리자 · 시각은 한국 표준시(KST, Asia/Seoul)"
admin.site.site_title = "SalesOne 관리자"

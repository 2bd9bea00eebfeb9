"""/api/products/: every authenticated user reads the catalogue; creator or staff change it."""

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from common.permissions import IsCreatorOrStaffOrReadOnly

from .filters import ProductFilter
from .models import Product
from .serializers import ProductSerializer


class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.select_related("created_by")
    serializer_class = ProductSerializer
    permission_classes = [IsAuthenticated, IsCreatorOrStaffOrReadOnly]
    filterset_class = ProductFilter
    search_fields = ["name", "description"]
    ordering_fields = ["price", "created_at", "name"]
    ordering = ["-created_at"]

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

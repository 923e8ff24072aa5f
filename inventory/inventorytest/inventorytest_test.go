package inventorytest_test

import (
	"testing"

	"github.com/agoracommerce/agora/inventory"
	"github.com/agoracommerce/agora/inventory/inventorytest"
)

func TestFake(t *testing.T) {
	inventorytest.TestService(t, func(t *testing.T) inventory.Service { return inventorytest.NewFake() })
}

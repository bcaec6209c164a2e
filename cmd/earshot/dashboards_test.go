package main

import (
	"strings"
	"testing"

	"github.com/earshot-dev/earshot/registry"
)

func TestSectorBrands(t *testing.T) {
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	got, err := sectorBrands(reg, "grocery", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range got {
		if b, _ := reg.ByID(id); b.Sector != "grocery" {
			t.Errorf("%s is in %s", id, b.Sector)
		}
	}
	if !strings.Contains(","+strings.Join(got, ",")+",", ",tesco,") {
		t.Errorf("grocery = %v, want tesco among them", got)
	}
	got, err = sectorBrands(reg, "airline", []string{"klm", "tesco", "lufthansa"}, true)
	if err != nil || strings.Join(got, ",") != "klm,lufthansa" {
		t.Errorf("airline of klm,tesco,lufthansa = %v, %v", got, err)
	}
	if _, err := sectorBrands(reg, "airline", []string{"tesco"}, true); err == nil {
		t.Error("no brand of --brands in the sector: accepted")
	}
	if _, err := sectorBrands(reg, "spaceline", nil, false); err == nil || !strings.Contains(err.Error(), "airline") {
		t.Errorf("unknown sector: %v", err)
	}
}

package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/enrich/entities"
)

var evalEntitiesFlags struct {
	Data, Format, Scheme string
}

func init() {
	c := &cobra.Command{
		Use:   "entities --data FILE --format conll [--scheme wnut17|wnut16|btc|earshot]",
		Short: "Measure the entities tagger; last line entity_f1",
		Long: `eval entities tags the tokens of a CoNLL NER file with the entities
enricher's tagger (the shipped model, the brand registry of the configuration
file or the default one as gazetteer) and compares the entities with the
gold ones: CoNLL-style exact-span entity precision, recall and F1 (an entity
is right when its first token, last token and type match).

The data set's types are mapped onto earshot's (person, place,
organisation, product):
  wnut17   person→person, location→place, group and corporation→organisation,
           product and creative-work→product
  wnut16   person→person, geo-loc and facility→place, company and
           sportsteam→organisation, product, movie and tvshow→product;
           musicartist and other are ignored (not counted as gold, and a
           prediction with exactly their span is neither right nor wrong)
  btc      PER→person, LOC→place, ORG→organisation
  earshot  earshot's own types
WNUT does not annotate @usernames: for wnut16 and wnut17, predicted @handle
entities are left out (counted in handles_left_out). An "@" token followed
by a handle token is read as one token (the Broad Twitter Corpus's export
splits them). Without --scheme the smallest scheme covering the file's types
is used.

Output: counts, per type support, predicted, precision, recall and F1, the
overall precision and recall, and last entity_f1 (micro-averaged).`,
		Args: cobra.NoArgs,
		RunE: runEvalEntities,
	}
	f := c.Flags()
	f.StringVar(&evalEntitiesFlags.Data, "data", "", "the CoNLL file (required)")
	f.StringVar(&evalEntitiesFlags.Format, "format", "conll", "data set format: conll")
	f.StringVar(&evalEntitiesFlags.Scheme, "scheme", "", "type set of the file: "+strings.Join(entities.SchemeNames(), ", ")+" (default: detected)")
	evalCmd.AddCommand(c)
}

func runEvalEntities(cmd *cobra.Command, _ []string) error {
	fl := evalEntitiesFlags
	if fl.Data == "" {
		return fmt.Errorf("eval entities: --data FILE is required")
	}
	if fl.Format != "conll" {
		return fmt.Errorf("eval entities: --format %q, want conll", fl.Format)
	}
	a, err := newApp("eval", false)
	if err != nil {
		return err
	}
	f, err := os.Open(fl.Data)
	if err != nil {
		return fmt.Errorf("eval entities: %w", err)
	}
	defer f.Close()
	sents, err := entities.ReadCoNLL(f)
	if err != nil {
		return fmt.Errorf("eval entities: %s: %w", fl.Data, err)
	}
	var sc entities.Scheme
	if fl.Scheme == "" {
		if sc, err = entities.DetectScheme(sents); err != nil {
			return fmt.Errorf("eval entities: %s: %w", fl.Data, err)
		}
	} else {
		var ok bool
		if sc, ok = entities.Schemes[fl.Scheme]; !ok {
			return fmt.Errorf("eval entities: --scheme %q, want one of %s", fl.Scheme, strings.Join(entities.SchemeNames(), ", "))
		}
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	m, err := entities.DefaultModel()
	if err != nil {
		return err
	}
	t, err := entities.NewTagger(m, reg)
	if err != nil {
		return err
	}
	// As the enricher is configured: the registry's products too, unless
	// enrich.entities.products is off.
	ecfg := defaultEnrichSection()
	if err := a.section("enrich", &ecfg); err != nil {
		return err
	}
	var products *entities.Products
	if ecfg.Entities.Products {
		products = entities.NewProducts(reg)
	}
	rep, err := entities.EvaluateWith(cmd.Context(), t, products, sents, sc)
	if err != nil {
		return fmt.Errorf("eval entities: %s: %w", fl.Data, err)
	}
	_, err = rep.WriteTo(cmd.OutOrStdout())
	return err
}

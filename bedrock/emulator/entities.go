package emulator

import (
	"sort"
	"strings"

	"github.com/vectora/ingest-normalize/normalize"
)

// Small dictionaries of the long-acting-injectable field. Longer names come
// before the names they contain so the longest match wins.
var (
	companyNames = []string{"MedinCell", "Camurus", "Teva Pharmaceuticals", "Teva", "Indivior", "Alkermes",
		"Johnson & Johnson", "J&J", "Janssen", "Otsuka", "Lundbeck", "Luye Pharma", "Viatris", "AbbVie", "Pfizer",
		"Novartis", "Eli Lilly", "Lilly", "Novo Nordisk", "Gilead", "Merck", "AstraZeneca", "Sanofi", "GSK", "Roche",
		"Bayer", "Ascendis", "Braeburn", "Heron", "Pacira", "Delsitech", "Natera", "Foresight Diagnostics", "Roivant",
		"Moderna", "BioNTech", "Amgen", "Biogen", "Regeneron", "Vertex", "Takeda", "Boehringer Ingelheim",
		"Bristol Myers Squibb", "Dyne", "ORIC", "Gates Foundation", "Unitaid", "USAntibiotics"}
	moleculeNames = []string{"risperidone", "buprenorphine", "paliperidone palmitate", "paliperidone", "aripiprazole lauroxil",
		"aripiprazole", "olanzapine", "naltrexone", "ivermectin", "leuprolide", "octreotide", "lanreotide", "semaglutide",
		"tirzepatide", "cabotegravir", "lenacapavir", "rilpivirine", "celecoxib", "bupivacaine", "meloxicam",
		"medroxyprogesterone", "amoxicillin", "clavulanate", "pembrolizumab"}
	technologyNames = []string{"long-acting injectable", "long-acting", "extended-release injectable suspension",
		"extended-release", "BEPO", "FluidCrystal", "microsphere", "depot", "subcutaneous", "intramuscular", "implant",
		"antibody-drug conjugate", "ADC", "mRNA", "siRNA", "gene therapy", "cell therapy", "CAR-T", "bispecific",
		"nanoparticle", "exon skipping", "oral"}
	trademarkNames = []string{"UZEDY", "Invega Sustenna", "Invega Trinza", "Invega Hafyera", "Invega", "Brixadi",
		"Sublocade", "Perseris", "Risperdal Consta", "Aristada", "Abilify Maintena", "Abilify Asimtufii",
		"Zyprexa Relprevv", "Vivitrol", "Rykindo", "Augmentin XR", "Augmentin", "Ozempic", "Wegovy", "Mounjaro",
		"Cabenuva", "Apretude", "Sunlenca", "Yeztugo", "Keytruda"}
	indicationNames = []string{"schizophrenia", "bipolar I disorder", "bipolar disorder", "bipolar", "opioid use disorder",
		"alcohol use disorder", "malaria", "HIV", "cancer", "lung cancer", "breast cancer", "prostate cancer", "obesity",
		"type 2 diabetes", "diabetes", "acromegaly", "postoperative pain", "pain", "depression", "Alzheimer's",
		"Parkinson's", "psoriasis", "endometriosis", "DMD", "Duchenne muscular dystrophy", "Covid-19", "contraception"}
)

// partnerCues precede a capitalised company name that the dictionaries may
// not know ("agreement with Acme").
var partnerCues = []string{"partnership with ", "agreement with ", "collaboration with ", "acquired by ",
	"licensed to ", "deal with "}

// extractEntities finds the dictionary names and cued company names that
// occur in text, each as written there, in order of first occurrence: the
// entities of the answer, in the shape package normalize reads.
func extractEntities(text string) normalize.Entities {
	taken := make([]bool, len(text))
	e := normalize.Entities{
		Trademarks:   find(text, trademarkNames, taken),
		Companies:    find(text, companyNames, taken),
		Molecules:    find(text, moleculeNames, taken),
		Technologies: find(text, technologyNames, taken),
		Indications:  find(text, indicationNames, taken),
	}
	for _, c := range cuedNames(text) {
		if !containsFold(e.Companies, c) {
			e.Companies = append(e.Companies, c)
		}
	}
	return e
}

// find returns the names that occur in text as whole words, case
// insensitively, outside spans already taken, ordered by position. Every
// occurrence of a found name is taken, so a shorter name inside it ("Teva"
// in "Teva Pharmaceuticals") is not found again.
func find(text string, names []string, taken []bool) []string {
	lower := asciiLower(text)
	type hit struct {
		at   int
		name string
	}
	var hits []hit
	for _, n := range names {
		n = asciiLower(n)
		first := -1
		for from := 0; ; {
			at := indexWord(lower, n, from, taken)
			if at < 0 {
				break
			}
			if first < 0 {
				first = at
			}
			for i := at; i < at+len(n); i++ {
				taken[i] = true
			}
			from = at + len(n)
		}
		if first >= 0 {
			hits = append(hits, hit{first, text[first : first+len(n)]})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].at < hits[j].at })
	out := []string{}
	for _, h := range hits {
		if !containsFold(out, h.name) {
			out = append(out, h.name)
		}
	}
	return out
}

// indexWord returns the first position from from of name in lower that
// starts and ends on word boundaries and is not taken, or -1.
func indexWord(lower, name string, from int, taken []bool) int {
	for i := from; i < len(lower); {
		j := strings.Index(lower[i:], name)
		if j < 0 {
			return -1
		}
		at, end := i+j, i+j+len(name)
		if !wordBefore(lower, at) && !wordAt(lower, end) && !taken[at] && !taken[end-1] {
			return at
		}
		i = at + 1
	}
	return -1
}

// cuedNames returns the capitalised words (up to three) after a partner cue.
func cuedNames(text string) []string {
	var out []string
	lower := asciiLower(text)
	for _, cue := range partnerCues {
		i := strings.Index(lower, cue)
		if i < 0 {
			continue
		}
		var words []string
		for _, w := range strings.Fields(text[i+len(cue):]) {
			w = strings.TrimRight(w, ".,;:)")
			if len(words) == 3 || w == "" || w[0] < 'A' || w[0] > 'Z' {
				break
			}
			words = append(words, w)
		}
		if len(words) > 0 {
			out = append(out, strings.Join(words, " "))
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// asciiLower lowers ASCII letters only, so byte offsets in the result are
// offsets in s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

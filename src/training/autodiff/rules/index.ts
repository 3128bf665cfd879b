// Loading this module registers every gradient rule (each file registers the ops of one family).
import './elementwise';
import './linear';
import './normalization';
import './movement';
import './loss';
